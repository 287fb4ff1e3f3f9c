// The contract every notifier passes (one suite, run against each implementation, like hono's shared router suite).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Notifier, SendResult } from '../notification.ts';
import type { NotifierKind } from '../registry.ts';
import { hostileNotification, sampleNotification } from './fixtures.ts';

/** How a person (or program) meets the text: decides which escaping the contract expects. */
export type Markup = 'html' | 'slack' | 'json' | 'text';

export interface ReceivedView {
  /** What crossed the wire, transfer encodings undone: HTTP body, SMTP message, SNS Publish input as JSON. */
  readonly wire: string;
  /** The texts people see, each with the markup its sink interprets. */
  readonly shown: readonly { readonly markup: Markup; readonly text: string }[];
}

export interface ContractFixture {
  readonly notifier: Notifier;
  /** Makes the receiver refuse the next delivery: transiently (HTTP 500, SMTP 451, throttling) or for good. */
  failNext(how: 'transient' | 'permanent'): void;
  /** The deliveries the receiver accepted, in order. */
  accepted(): ReceivedView[];
  close(): Promise<void>;
}

export interface NotifierHarness {
  readonly kind: NotifierKind;
  /** The sink's own size limit for one message. */
  readonly maxWireBytes: number;
  /** Secrets the notifier holds, which no error message may contain. */
  readonly secrets: readonly string[];
  setup(): Promise<ContractFixture>;
  /** A notifier pointed at a loopback port where nothing listens. */
  unreachable(): Promise<{ readonly notifier: Notifier; readonly close: () => Promise<void> }>;
  /** Checks only this sink can make on a hostile message (signature, header lines, JSON round trip...). */
  checkHostile(view: ReceivedView): void;
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function assertCleanError(
  result: SendResult,
  harness: NotifierHarness,
): asserts result is Extract<SendResult, { ok: false }> {
  assert.equal(result.ok, false, 'expected a failure');
  if (result.ok) return;
  assert.ok(
    result.error.length > 0 && result.error.length < 600,
    `error should be one short line: ${result.error}`,
  );
  assert.ok(!/\n|\r/.test(result.error), `error must be one line: ${JSON.stringify(result.error)}`);
  assert.ok(!/\bat .+:\d+:\d+/.test(result.error), `error must not carry a stack: ${result.error}`);
  assert.ok(result.error.includes(harness.kind), `error should name the notifier kind: ${result.error}`);
  for (const secret of harness.secrets) assert.ok(!result.error.includes(secret), 'error leaks a secret');
}

export function runNotifierContract(harness: NotifierHarness): void {
  describe(`notifier contract: ${harness.kind}`, () => {
    it('delivers an ordinary notification once', async () => {
      const fixture = await harness.setup();
      try {
        const result = await fixture.notifier.send(sampleNotification());
        assert.equal(result.ok, true, JSON.stringify(result));
        assert.equal(fixture.notifier.kind, harness.kind);
        const views = fixture.accepted();
        assert.equal(views.length, 1);
        assert.ok(views[0]!.wire.includes('alice'), 'the target user appears in the message');
      } finally {
        await fixture.close();
      }
    });

    it('delivers hostile text well-formed and escaped for its sink', async () => {
      const fixture = await harness.setup();
      try {
        const result = await fixture.notifier.send(hostileNotification());
        assert.equal(result.ok, true, JSON.stringify(result));
        const [view] = fixture.accepted();
        assert.ok(view !== undefined);
        assert.ok(
          Buffer.byteLength(view.wire) <= harness.maxWireBytes,
          `message of ${Buffer.byteLength(view.wire)} bytes exceeds ${harness.maxWireBytes}`,
        );
        assert.ok(!CONTROL.test(view.wire), 'raw control or bidi characters on the wire');
        assert.ok(
          !view.wire.split(/\r?\n/).some((line) => line.startsWith('X-Injected')),
          'CR/LF injection made a new line',
        );
        for (const { markup, text } of view.shown) {
          assert.ok(!CONTROL.test(text), `raw control characters shown (${markup})`);
          assert.ok(!text.includes('javascript:'), `a javascript: link is shown (${markup})`);
          switch (markup) {
            case 'html':
              assert.ok(!/<script/i.test(text), 'a script tag in HTML');
              assert.ok(!text.includes('<http://evil'), 'an attacker tag in HTML');
              break;
            case 'slack':
              assert.ok(!/<[!@#]/.test(text), `a Slack mention or channel link: ${text.slice(0, 120)}`);
              assert.ok(!/<https?:/.test(text), 'a Slack link built from attacker text');
              assert.ok(!/@(channel|here|everyone)\b/i.test(text), 'a plain @channel/@here that would ping');
              break;
            case 'json':
              assert.ok(!/<script/i.test(text), 'a script tag in JSON text');
              break;
            case 'text':
              assert.ok(!/[\r\n]X-Injected/.test(text), 'a forged line in text');
              break;
          }
        }
        harness.checkHostile(view);
      } finally {
        await fixture.close();
      }
    });

    it('answers a transient refusal as retryable, then delivers', async () => {
      const fixture = await harness.setup();
      try {
        fixture.failNext('transient');
        const first = await fixture.notifier.send(sampleNotification());
        assertCleanError(first, harness);
        assert.equal(first.retryable, true, first.error);
        const second = await fixture.notifier.send(sampleNotification());
        assert.equal(second.ok, true, JSON.stringify(second));
        assert.equal(fixture.accepted().length, 1);
      } finally {
        await fixture.close();
      }
    });

    it('answers a permanent refusal as not retryable', async () => {
      const fixture = await harness.setup();
      try {
        fixture.failNext('permanent');
        const result = await fixture.notifier.send(sampleNotification());
        assertCleanError(result, harness);
        assert.equal(result.retryable, false, result.error);
        assert.equal(fixture.accepted().length, 0);
      } finally {
        await fixture.close();
      }
    });

    it('answers an unreachable receiver as retryable, with a clear one-line reason', async () => {
      const { notifier, close } = await harness.unreachable();
      try {
        const result = await notifier.send(sampleNotification());
        assertCleanError(result, harness);
        assert.equal(result.retryable, true, result.error);
        assert.match(result.error, /refused|ECONNREFUSED/i);
      } finally {
        await close();
      }
    });
  });
}
