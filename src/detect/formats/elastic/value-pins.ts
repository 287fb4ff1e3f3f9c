// The value pins of a KQL query: which raw CloudTrail values an event must hold for the query to match it.

import type { ValuePin } from '../../../model/index.ts';
import { fieldName, isFieldPattern } from '../../languages/kql/index.ts';
import type { KqlNode, KqlValueExpr } from '../../languages/kql/index.ts';
import { longestPart, pinsForAll, pinsForAny, valuePin } from '../../value-pins.ts';

/**
 * ECS keyword fields that the mapping (`toEcs`) copies verbatim from a raw string, with the raw key they come from.
 * Only these pin: a derived field (`event.outcome`, `source.ip`) or an analysed text field could hold text the raw
 * record does not, and a pin on it would drop records the rule fires on.
 */
const RAW_KEYS: ReadonlyMap<string, string> = new Map([
  ['aws.cloudtrail.error_code', 'errorCode'],
  ['aws.cloudtrail.event_type', 'eventType'],
  ['aws.cloudtrail.recipient_account_id', 'recipientAccountId'],
  ['aws.cloudtrail.user_identity.access_key_id', 'accessKeyId'],
  ['aws.cloudtrail.user_identity.arn', 'arn'],
  ['aws.cloudtrail.user_identity.invoked_by', 'invokedBy'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.account_id', 'accountId'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.arn', 'arn'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.principal_id', 'principalId'],
  ['aws.cloudtrail.user_identity.session_context.session_issuer.type', 'type'],
  ['aws.cloudtrail.user_identity.type', 'type'],
  ['cloud.account.id', 'accountId'],
  ['cloud.region', 'awsRegion'],
  ['event.action', 'eventName'],
  ['event.provider', 'eventSource'],
  ['source.address', 'sourceIPAddress'],
  ['user.id', 'principalId'],
  ['user.name', 'userName'],
  ['user_agent.original', 'userAgent'],
]);

/** The query's value pins (any of them holds on every event it matches), or null when it pins no value. */
export function kqlValuePins(node: KqlNode): readonly ValuePin[] | null {
  switch (node.type) {
    case 'and':
      return pinsForAll(node.children.map(kqlValuePins));
    case 'or':
      return pinsForAny(node.children.map(kqlValuePins));
    case 'field': {
      const key = isFieldPattern(node.field) ? undefined : RAW_KEYS.get(fieldName(node.field));
      const fragments = key === undefined ? null : literals(node.values);
      const pin = key === undefined || fragments === null ? null : valuePin(key, fragments);
      return pin === null ? null : [pin];
    }
    case 'not':
    case 'range':
    case 'nested':
    case 'text':
    case 'all':
      return null;
  }
}

/** Literal text one of which a matching value contains: a phrase whole, a wildcard value's longest literal part. */
function literals(expr: KqlValueExpr): string[] | null {
  switch (expr.type) {
    case 'value': {
      if (expr.value.kind === 'quoted') return [expr.value.text];
      const part = longestPart(expr.value.parts);
      return part === null ? null : [part];
    }
    case 'or': {
      const out: string[] = [];
      for (const child of expr.children) {
        const found = literals(child);
        if (found === null) return null;
        out.push(...found);
      }
      return out;
    }
    case 'and': {
      let best: string[] | null = null;
      for (const child of expr.children) {
        const found = literals(child);
        if (found !== null && (best === null || shortest(found) > shortest(best))) best = found;
      }
      return best;
    }
    case 'not':
      return null;
  }
}

const shortest = (values: readonly string[]): number => Math.min(...values.map((value) => value.length));
