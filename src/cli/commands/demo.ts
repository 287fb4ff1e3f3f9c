// `mfaguard demo`: the whole scan on the bundled sample archive, offline, with a check against its ground truth.

import { runDemo } from '../../app/index.ts';
import { ALERT_FORMATS, DEFAULT_ALERT_FORMAT, forTerminal, isAlertFormat } from '../../report/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { presentScan } from './scan.ts';

const USAGE = `Usage: mfaguard demo [--format ${ALERT_FORMATS.join('|')}]

Scans samples/demo/, a CloudTrail archive of 14,000 records in the S3 layout written by
\`mfaguard generate --seed 42\` (two accounts, two regions, three days, with a phone swap, a
stolen-key takeover, root removing its MFA, a burst, a refused attempt, sign-ins without MFA,
a file delivered twice and hostile user agents), prints the findings, and checks them against
the archive's ground truth. Needs no AWS account and no network.`;

export const DEMO_COMMAND: Command = {
  name: 'demo',
  summary: 'scan the bundled sample archive (offline) and check the findings against its ground truth',
  usage: USAGE,
  async run(args, ctx) {
    const { values } = parseCommandArgs('demo', args, { format: { type: 'string' } });
    const format =
      values.format !== undefined && isAlertFormat(values.format) ? values.format : DEFAULT_ALERT_FORMAT;
    if (format === 'table')
      ctx.stderr.write('mfaguard demo: scanning the bundled sample archive samples/demo/AWSLogs ...\n');
    const { result, check } = await runDemo();
    const code = await presentScan(result, { format, out: null, quiet: false, failOn: null }, ctx);
    const lines = [
      `ground truth: ${check.found}/${check.expected} expected alerts found, ${check.unexpected.length} unexpected; ` +
        `triage ${check.triageMatched}/${check.triageExpected} classifications as expected`,
      ...check.missing.map((line) => `  missing: ${forTerminal(line)}`),
      ...check.unexpected.map((line) => `  unexpected: ${forTerminal(line)}`),
      ...check.triageMismatches.map((line) => `  triage: ${forTerminal(line)}`),
    ];
    ctx.stderr.write(lines.join('\n') + '\n');
    const perfect =
      check.missing.length === 0 && check.unexpected.length === 0 && check.triageMismatches.length === 0;
    return code !== EXIT.ok ? code : perfect ? EXIT.ok : EXIT.partial;
  },
};
