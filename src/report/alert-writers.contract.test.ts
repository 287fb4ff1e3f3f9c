// One contract for every alert writer in the registry: a new format gets these checks by being registered.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALERT_FORMATS,
  ALERT_WRITERS,
  createAlertWriter,
  describeAlertFormats,
  renderAlerts,
} from './render-alerts.ts';
import { FIXTURE_ALERTS } from './test-support/alerts.ts';

/** What a terminal, a spreadsheet or a log viewer would obey: raw C0 (but TAB/CR/LF), DEL, C1, bidi controls. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('alert writer registry', () => {
  it('is kept in alphabetical order, and the CLI lists every entry with the default first', () => {
    const names = Object.keys(ALERT_WRITERS);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual([...ALERT_FORMATS].sort(), names);
    assert.equal(ALERT_FORMATS[0], 'table');
    for (const name of names) assert.match(describeAlertFormats(), new RegExp(`\\b${name}\\b`));
  });

  for (const format of Object.keys(ALERT_WRITERS) as (keyof typeof ALERT_WRITERS)[]) {
    describe(format, () => {
      it('has a description for the help text', () => {
        assert.ok(ALERT_WRITERS[format].description.length > 10);
      });

      it('names every alert, escapes attacker text, and ends its output with a line break', () => {
        const text = renderAlerts(FIXTURE_ALERTS, format, { color: false, columns: 200 });
        assert.ok(text.endsWith('\n'));
        assert.doesNotMatch(text, CONTROL);
        for (const alert of FIXTURE_ALERTS) {
          assert.ok(
            text.includes(alert.event.time.slice(0, 19)),
            `${format} shows the alert of ${alert.event.time}`,
          );
        }
      });

      it('writes the same through the streaming writer as all at once, and copes with no alert', () => {
        const chunks: string[] = [];
        const writer = createAlertWriter({ write: (t) => chunks.push(t) }, format, {
          color: false,
          columns: 200,
        });
        for (const alert of FIXTURE_ALERTS) writer.write(alert);
        writer.end();
        assert.equal(chunks.join(''), renderAlerts(FIXTURE_ALERTS, format, { color: false, columns: 200 }));
        assert.doesNotThrow(() => renderAlerts([], format, { color: false }));
      });
    });
  }
});
