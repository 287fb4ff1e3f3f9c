// `mfaguard demo`: the whole scan on the bundled sample archive, offline, with a check against its ground truth.

import { runDemo } from '../../app/index.ts';
import {
  DEFAULT_ALERT_FORMAT,
  describeAlertFormats,
  forTerminal,
  isAlertFormat,
} from '../../report/index.ts';
import { defineCommand } from '../command.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { presentScan } from './scan.ts';

export const DEMO_COMMAND: Command = defineCommand({
  name: 'demo',
  usage: '[options]',
  description: `Scans samples/demo/, a CloudTrail archive of 14,000 records in the S3 layout written by
\`mfaguard generate --seed 42\` (two accounts, two regions, three days, with a phone swap, a
stolen-key takeover, root removing its MFA, a burst, a refused attempt, sign-ins without MFA,
a file delivered twice and hostile user agents), prints the findings, and checks them against
the archive's ground truth. Needs no AWS account and no network.`,
  examples: ['mfaguard demo', 'mfaguard demo --format json'],
  footer:
    'Exit codes: 0 every expected finding and nothing else; 3 the findings differ from the ground truth.',
  declare: (command) => command.option('--format <format>', describeAlertFormats()),
  async action(values, _positionals, ctx) {
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
});
