// Tells an IP address literal from the service names CloudTrail also writes in sourceIPAddress, without regexes.

/** Longest textual IPv6 form (with an embedded IPv4 tail) is 45 characters; anything longer is not an address. */
const MAX_IP_LENGTH = 45;

/**
 * True when `value` is an IPv4 dotted quad or an IPv6 literal (RFC 4291 text forms, `::` compression and an
 * IPv4 tail included; no zone ids, which CloudTrail never writes). Leading zeros in IPv4 octets are accepted,
 * as Elastic's `%{IP}` grok pattern accepts them (anonymised captures write e.g. `225.01.00.16`).
 */
export function isIpAddress(value: string): boolean {
  const length = value.length;
  if (length < 2 || length > MAX_IP_LENGTH) return false;
  return value.indexOf(':') === -1 ? isIpv4(value, 0, length) : isIpv6(value);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/** Checks `value[start, end)` for exactly four dot-separated octets of 1–3 digits, each at most 255. */
function isIpv4(value: string, start: number, end: number): boolean {
  let octets = 0;
  let digits = 0;
  let octet = 0;
  for (let i = start; i < end; i++) {
    const code = value.charCodeAt(i);
    if (isDigit(code)) {
      digits += 1;
      octet = octet * 10 + (code - 48);
      if (digits > 3 || octet > 255) return false;
    } else if (code === 46) {
      if (digits === 0) return false;
      octets += 1;
      digits = 0;
      octet = 0;
    } else {
      return false;
    }
  }
  return digits > 0 && octets === 3;
}

function isIpv6(value: string): boolean {
  const length = value.length;
  let groups = 0;
  let compressed = false;
  let i = 0;
  if (value.charCodeAt(0) === 58) {
    // A leading colon is only valid as the start of `::`.
    if (value.charCodeAt(1) !== 58) return false;
    compressed = true;
    i = 2;
    if (i === length) return true;
  }
  while (i < length) {
    const groupStart = i;
    while (i < length && isHexDigit(value.charCodeAt(i))) i++;
    const digits = i - groupStart;
    if (i < length && value.charCodeAt(i) === 46) {
      // An embedded IPv4 tail takes the place of the last two groups.
      if (!isIpv4(value, groupStart, length)) return false;
      groups += 2;
      return compressed ? groups <= 7 : groups === 8;
    }
    if (digits === 0 || digits > 4) return false;
    groups += 1;
    if (i === length) break;
    if (value.charCodeAt(i) !== 58) return false;
    i++;
    if (i < length && value.charCodeAt(i) === 58) {
      if (compressed) return false;
      compressed = true;
      i++;
      if (i === length) break;
    } else if (i === length) {
      return false; // a single trailing colon
    }
  }
  return compressed ? groups <= 7 : groups === 8;
}
