// The one path from committed events to containment, shared by `serve` and the Lambda handler.

import type { Responder } from '../respond/index.ts';
import { wirePosture } from './posture-wiring.ts';
import type { IngestHooks, PostureWiring, PostureWiringOptions } from './posture-wiring.ts';
import { buildResponder } from './respond.ts';
import type { ResponderOptions } from './respond.ts';

export interface ResponsePathOptions extends Omit<ResponderOptions, 'posture'> {
  readonly posture: Omit<PostureWiringOptions, 'store' | 'clock' | 'workerId' | 'log' | 'breakGlassUsers'>;
}

export interface ResponsePath {
  readonly posture: PostureWiring;
  readonly responder: Responder;
  /** What the live core calls after each commit: posture's event update, then the responder. */
  readonly hooks: IngestHooks;
}

/**
 * The one path from committed events to containment, for `serve` and the Lambda handler alike: posture updated from
 * the events first (the last-administrator rule reads it), then the responder plans and applies, notifying as it goes.
 */
export async function wireResponsePath(options: ResponsePathOptions): Promise<ResponsePath> {
  const { store, clock, workerId, log } = options;
  const posture = await wirePosture({
    ...options.posture,
    store,
    clock,
    workerId,
    log,
    breakGlassUsers: options.config.triage.breakGlassUsers,
  });
  const responder = await buildResponder({ ...options, posture: posture.view });
  return { posture, responder, hooks: posture.withHooks(responder) };
}
