// A one-line progress bar for long scans on stderr: files, events, throughput; silent when not a terminal.

import { formatBytes, formatCount } from './summary.ts';

export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns?: number;
}

export interface ProgressState {
  readonly filesDone: number;
  /** Unknown (absent or null) while a folder or prefix is still being listed. */
  readonly filesTotal?: number | null;
  readonly events: number;
  /** Uncompressed bytes read so far. */
  readonly bytes: number;
}

export interface ProgressOptions {
  /** Milliseconds, monotonic; tests pass a fake one. */
  readonly now: () => number;
  /** Minimum time between redraws (default 100 ms: at most ~10 redraws a second). */
  readonly intervalMs?: number;
}

const CLEAR_LINE = '\r\u001b[2K';
const BAR_WIDTH = 20;

export class ProgressBar {
  private readonly out: ProgressOutput;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly startedAt: number;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private finished = false;

  /** `clock` is a monotonic millisecond clock, or options with one. */
  constructor(out: ProgressOutput, clock: (() => number) | ProgressOptions) {
    const options = typeof clock === 'function' ? { now: clock } : clock;
    this.out = out;
    this.now = options.now;
    this.intervalMs = options.intervalMs ?? 100;
    this.startedAt = options.now();
  }

  /** Redraws when enough time has passed since the last redraw; cheap to call for every file or batch. */
  update(state: ProgressState): void {
    if (!this.out.isTTY || this.finished) return;
    const at = this.now();
    if (at - this.lastDrawAt < this.intervalMs) return;
    this.lastDrawAt = at;
    this.drawn = true;
    this.out.write(CLEAR_LINE + this.line(state, at));
  }

  /** Clears the line for a moment (to print an issue line); the next update draws it again at once. */
  clear(): void {
    if (!this.out.isTTY || !this.drawn || this.finished) return;
    this.out.write(CLEAR_LINE);
    this.drawn = false;
    this.lastDrawAt = Number.NEGATIVE_INFINITY;
  }

  /** Clears the line so the table or summary starts on a clean line. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.out.isTTY && this.drawn) this.out.write(CLEAR_LINE);
  }

  /** The text of one redraw (no control characters), exposed for tests. */
  line(state: ProgressState, at: number = this.now()): string {
    const seconds = Math.max(0, at - this.startedAt) / 1000;
    const rate = seconds > 0 ? state.bytes / seconds / 1e6 : 0;
    let files: string;
    let bar = '';
    if (state.filesTotal !== undefined && state.filesTotal !== null && state.filesTotal > 0) {
      const share = Math.min(1, state.filesDone / state.filesTotal);
      const full = Math.round(share * BAR_WIDTH);
      bar = `[${'#'.repeat(full)}${'.'.repeat(BAR_WIDTH - full)}] ${Math.floor(share * 100)
        .toString()
        .padStart(3)}% `;
      files = `${formatCount(state.filesDone)}/${formatCount(state.filesTotal)} files`;
    } else {
      files = `${formatCount(state.filesDone)} files`;
    }
    const text = `${bar}${files} · ${formatCount(state.events)} events · ${formatBytes(state.bytes)} · ${rate.toFixed(1)} MB/s`;
    const width = this.out.columns;
    // Writing past the last column wraps and breaks the \r redraw, so stay one short of it.
    return width !== undefined && text.length >= width ? text.slice(0, Math.max(0, width - 1)) : text;
  }
}
