// Conformance of the built-in rules against real CloudTrail from other projects (../shared/corpus); skips when the corpus is absent.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createEventViews, normalizeRecord } from '../ingest/index.ts';
import type { CompiledRule } from '../model/index.ts';
import { createEngine } from './engine.ts';
import { fixtureDirFor } from './fixtures.ts';
import { CORPUS, corpusProblem, missing } from '../test-support/requirements.ts';
import { builtinRulesDir, loadBuiltinRules, loadRulePaths } from './load-rules.ts';

const rules: CompiledRule[] = loadBuiltinRules().flatMap((r) => (r.status === 'ok' ? [r.rule] : []));
const engine = createEngine(rules);

const REMOVAL_RULES = new Set([
  'mfaguard-iam-mfa-device-deactivated',
  'mfaguard-root-mfa-removed',
  'mfaguard-iam-virtual-mfa-device-deleted',
]);

/** Rule ids (without the `mfaguard-` prefix) fired per record, plus records normalisation refused. */
function scan(records: readonly unknown[], location: string): { fired: string[]; refused: string[] } {
  const fired: string[] = [];
  const refused: string[] = [];
  records.forEach((record, index) => {
    const normalized = normalizeRecord(record, { location, index });
    if (!normalized.ok) {
      refused.push(`${location}#${index}: ${normalized.issue.message}`);
      return;
    }
    const result = engine.match(createEventViews(normalized.event));
    assert.deepEqual(result.issues, []);
    for (const rule of result.rules) fired.push(rule.meta.id);
  });
  return { fired, refused };
}

function jsonLines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

const problem = corpusProblem(CORPUS);
if (problem !== null) it('corpus conformance', (t) => void missing(t, 'corpus', problem));
else
  describe('corpus conformance', () => {
    it('Stratus Red Team detonations: no MFA-removal alert; the console-login-without-MFA detonation is caught', () => {
      const dir = join(CORPUS, 'stratus-red-team', 'docs', 'detonation-logs');
      const alerts: string[] = [];
      let records = 0;
      for (const name of readdirSync(dir)
        .filter((n) => n.endsWith('.json'))
        .sort()) {
        const data = JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown[];
        records += data.length;
        const { fired, refused } = scan(data, name);
        assert.deepEqual(refused, []);
        for (const id of fired) alerts.push(`${name}: ${id}`);
      }
      assert.ok(records > 50, `only ${records} records read`);
      assert.deepEqual(
        alerts.filter((a) => REMOVAL_RULES.has(a.slice(a.indexOf(': ') + 2))),
        [],
      );
      assert.deepEqual(alerts, [
        'aws.initial-access.console-login-without-mfa.json: mfaguard-console-sign-in-without-mfa',
      ]);
    });

    it('OTRF security datasets (noise, no MFA events): no alert at all', () => {
      const dir = join(CORPUS, 'otrf-security-datasets');
      let records = 0;
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
        // These records went through Logstash (`@timestamp` instead of `eventTime`); normalisation reads either.
        const data = jsonLines(join(dir, name)) as Record<string, unknown>[];
        records += data.length;
        const { fired, refused } = scan(data, name);
        assert.deepEqual(refused, []);
        assert.deepEqual(fired, []);
      }
      assert.ok(records > 50, `only ${records} records read`);
    });

    it("the corpus' successful DeactivateMFADevice gives exactly one alert, from the deactivation rule", () => {
      const beats = join(
        CORPUS,
        'elastic-beats/x-pack/filebeat/module/aws/cloudtrail/test/deactivate-mfa-device-json.log',
      );
      assert.deepEqual(scan(jsonLines(beats), 'beats').fired, ['mfaguard-iam-mfa-device-deactivated']);
      const pairs = jsonLines(
        join(CORPUS, 'elastic-integrations', 'aws_cloudtrail_pipeline_expected_ecs_subset.jsonl'),
      ) as {
        source_file: string;
        raw_event_original: unknown;
      }[];
      const deactivations = pairs.filter((p) => p.source_file.includes('deactivate-mfa-device'));
      assert.equal(deactivations.length, 1);
      assert.deepEqual(scan([deactivations[0]?.raw_event_original], 'integrations').fired, [
        'mfaguard-iam-mfa-device-deactivated',
      ]);
    });

    it('the other Filebeat MFA and sign-in samples fire what they should and nothing else', () => {
      const dir = join(CORPUS, 'elastic-beats/x-pack/filebeat/module/aws/cloudtrail/test');
      const fired = (name: string): string[] => scan(jsonLines(join(dir, name)), name).fired;
      assert.deepEqual(fired('delete-virtual-mfa-device-json.log'), [
        'mfaguard-iam-virtual-mfa-device-deleted',
      ]);
      // Alice enables Bob's device from a console session with a placeholder key: not a temporary-credential registration.
      assert.deepEqual(fired('enable-mfa-device-json.log'), []);
      // JohnDoe signs in without MFA (fires); JaneDoe's sign-in failed (does not).
      assert.deepEqual(fired('console-login-json.log'), ['mfaguard-console-sign-in-without-mfa']);
    });

    describe("Elastic's rule d8fc1cca (AWS IAM Deactivation of MFA Device)", () => {
      const toml = join(CORPUS, 'elastic/rules/integrations/aws/impact_iam_deactivate_mfa_device.toml');

      it('fires on exactly the fixtures our deactivation rule fires on, across every built-in fixture', () => {
        const [loaded] = loadRulePaths([toml]);
        assert.ok(loaded?.status === 'ok', `Elastic rule did not load: ${JSON.stringify(loaded)}`);
        const ours = rules.find((r) => r.meta.id === 'mfaguard-iam-mfa-device-deactivated');
        assert.ok(ours);
        const fixturesRoot = join(builtinRulesDir(), 'fixtures');
        const disagreements: string[] = [];
        let compared = 0;
        for (const stem of readdirSync(fixturesRoot)) {
          const dir = fixtureDirFor(join(builtinRulesDir(), `${stem}.yml`));
          for (const kind of ['must-fire', 'must-not-fire']) {
            for (const name of readdirSync(join(dir, kind))) {
              const file = join(dir, kind, name);
              const normalized = normalizeRecord(JSON.parse(readFileSync(file, 'utf8')), {
                location: file,
                index: 0,
              });
              assert.ok(normalized.ok, file);
              const views = createEventViews(normalized.event);
              compared++;
              const theirs = loaded.rule.matches(views);
              if (theirs !== ours.matches(views))
                disagreements.push(`${stem}/${kind}/${name}: Elastic ${theirs}`);
            }
          }
        }
        assert.ok(compared >= 30, `only ${compared} fixtures compared`);
        assert.deepEqual(disagreements, []);
      });

      it("our investigation guide is written in our own words (no 8-word run from Elastic's note)", () => {
        const note = String((parseToml(readFileSync(toml, 'utf8')) as { rule: { note: string } }).rule.note);
        const words = (text: string): string[] => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
        const grams = (list: string[]): Set<string> =>
          new Set(list.slice(0, -7).map((_, i) => list.slice(i, i + 8).join(' ')));
        const theirs = grams(words(note));
        const ours = rules.find((r) => r.meta.id === 'mfaguard-iam-mfa-device-deactivated');
        const shared = [
          ...grams(words(`${ours?.meta.investigationGuide ?? ''} ${ours?.meta.description ?? ''}`)),
        ].filter((g) => theirs.has(g));
        assert.deepEqual(shared, []);
      });
    });

    describe('Panther console-login tests', () => {
      interface PantherTest {
        rule_id: string;
        test_name: string;
        expected_result: boolean;
        mocks: { objectName: string; returnValue: unknown }[] | null;
        log: unknown;
      }
      const file = join(CORPUS, 'panther', 'panther_aws_cloudtrail_rule_tests.jsonl');
      const tests = jsonLines(file) as PantherTest[];

      /**
       * Mocks that do not decide the result: `check_account_age` returning "False" means "not a brand-new user",
       * which is what a rule without account-age data assumes anyway; `geoinfo_from_ip_formatted` only feeds the
       * alert title. Any other mock (a new user, roles via an external IdP) decides the result: those tests are skipped.
       */
      const neutralMock = (m: { objectName: string; returnValue: unknown }): boolean =>
        (m.objectName === 'check_account_age' && m.returnValue === 'False') ||
        m.objectName === 'geoinfo_from_ip_formatted';

      /**
       * Where Panther and mfaguard disagree on purpose. Panther's LoginWithoutMFA covers every identity type;
       * our IAM-user rule leaves root to the root sign-in rule (high, critical without MFA), checked below.
       */
      const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
        'AWS.Console.LoginWithoutMFA / No MFA Login - Root User':
          'root is reported by mfaguard-root-console-sign-in (critical without MFA), not by the IAM-user rule',
      };

      function compare(
        pantherRule: string,
        ourRule: string,
      ): { differences: string[]; compared: number; skipped: string[]; unreadable: string[] } {
        const differences: string[] = [];
        const unreadable: string[] = [];
        const skipped: string[] = [];
        let compared = 0;
        for (const t of tests.filter((x) => x.rule_id === pantherRule)) {
          const key = `${t.rule_id} / ${t.test_name}`;
          if (!(t.mocks ?? []).every(neutralMock)) {
            skipped.push(key);
            continue;
          }
          compared++;
          const { fired, refused } = scan([t.log], key);
          // A record normalisation refuses gives no alert; it is listed so the test shows it.
          if (refused.length > 0) unreadable.push(key);
          const ours = fired.includes(ourRule);
          if (ours !== t.expected_result)
            differences.push(`${key}: Panther ${t.expected_result}, mfaguard ${ours}`);
        }
        return { differences, compared, skipped, unreadable };
      }

      it('AWS.Console.LoginWithoutMFA agrees with our IAM-user rule, except the listed differences', () => {
        const { differences, compared, skipped, unreadable } = compare(
          'AWS.Console.LoginWithoutMFA',
          'mfaguard-console-sign-in-without-mfa',
        );
        assert.ok(compared >= 8, `only ${compared} Panther tests compared`);
        // Panther's hand-written log has no eventTime (CloudTrail always writes one): normalisation refuses it, so
        // mfaguard raises nothing, which is also what Panther expects for it.
        assert.deepEqual(unreadable, [
          'AWS.Console.LoginWithoutMFA / No MFA - authenticated from session with MFA',
        ]);
        assert.deepEqual(skipped, [
          'AWS.Console.LoginWithoutMFA / No MFA Login - New User',
          'AWS.Console.LoginWithoutMFA / No MFA - IAM Role and External IDP',
        ]);
        assert.deepEqual(
          differences.map((d) => d.slice(0, d.lastIndexOf(': Panther'))),
          Object.keys(KNOWN_DIFFERENCES),
        );
      });

      it('the root case Panther expects from LoginWithoutMFA is caught by our root sign-in rule, as critical', () => {
        const root = tests.find(
          (t) => t.rule_id === 'AWS.Console.LoginWithoutMFA' && t.test_name === 'No MFA Login - Root User',
        );
        assert.ok(root);
        assert.deepEqual(scan([root.log], 'panther').fired, ['mfaguard-root-console-sign-in']);
      });

      it('AWS.Console.RootLogin agrees with our root sign-in rule', () => {
        const { differences, compared } = compare('AWS.Console.RootLogin', 'mfaguard-root-console-sign-in');
        assert.ok(compared >= 2, `only ${compared} Panther tests compared`);
        assert.deepEqual(differences, []);
      });
    });
  });
