// Starts the system Chromium for the dashboard tests, with a trap that records any script the data manages to run.

import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/** The system Chromium (Debian's package); MFAGUARD_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env['MFAGUARD_CHROMIUM'] ?? '/usr/bin/chromium';

/** Null when Chromium is there; otherwise why not (test-support/requirements.ts decides skip or fail). */
export function chromiumProblem(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`;
}

/** Runs in the page before its own scripts: any write to window.__pwned, alert() or CSP violation is recorded. */
const TRAP = `
  window.__attempts = [];
  Object.defineProperty(window, '__pwned', {
    configurable: false,
    get() { return undefined; },
    set(v) { window.__attempts.push('__pwned=' + v); },
  });
  window.alert = (m) => window.__attempts.push('alert:' + m);
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__attempts.push('csp:' + e.violatedDirective + ' ' + e.blockedURI));
`;

export interface BrowserHandle {
  readonly browser: Browser;
  readonly page: Page;
  /** Uncaught page errors and console errors other than Chromium's own "Failed to load resource" lines. */
  readonly errors: string[];
  /** What the trap recorded: script that ran, alert() calls, CSP violations. */
  attempts(): Promise<string[]>;
}

export async function openBrowser(): Promise<BrowserHandle> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript({ content: TRAP });
  const page = await context.newPage();
  // Generous: a wait's bound only decides how long a failing test takes to say so. CI runs two test files at a time
  // on two cores, and a sign-in through the provider's pages once took over 5 s there (a flake, not a failure).
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // A 401/404 answer is logged by Chromium itself; anything else red in the console is ours.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return { browser, page, errors, attempts: () => page.evaluate<string[]>('window.__attempts') };
}

export interface PixelFacts {
  readonly width: number;
  readonly height: number;
  /** Distinct colours, counted on a coarse grid (4 px steps) so anti-aliasing does not dominate. */
  readonly colours: number;
  /** Share of sampled pixels darker than mid-grey: text, borders, badges. */
  readonly ink: number;
  /** Pixels (every one, not sampled) of each watched `#rrggbb` colour. */
  readonly watched: Readonly<Record<string, number>>;
}

/**
 * Decodes a PNG screenshot in a blank page of the same browser (canvas pixels), so a test can tell a rendered
 * view from a blank or unstyled one without a PNG library.
 */
export async function pixelFacts(
  handle: BrowserHandle,
  png: Buffer,
  watch: readonly string[] = [],
): Promise<PixelFacts> {
  const blank = await handle.browser.newPage();
  try {
    // Page code as a string: the project compiles without the DOM library, as the other page evaluations do.
    return await blank.evaluate<PixelFacts>(`(async () => {
      const image = new Image();
      image.src = ${JSON.stringify(`data:image/png;base64,${png.toString('base64')}`)};
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const watched = Object.fromEntries(${JSON.stringify(watch)}.map((hex) => [hex, 0]));
      for (let i = 0; i < data.length; i += 4) {
        const hex = '#' + [data[i], data[i + 1], data[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('');
        if (hex in watched) watched[hex]++;
      }
      const colours = new Set();
      let dark = 0;
      let samples = 0;
      for (let y = 0; y < canvas.height; y += 4) {
        for (let x = 0; x < canvas.width; x += 4) {
          const i = (y * canvas.width + x) * 4;
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
          if (0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2] < 128) dark++;
          samples++;
        }
      }
      return { width: canvas.width, height: canvas.height, colours: colours.size, ink: dark / samples, watched };
    })()`);
  } finally {
    await blank.close();
  }
}
