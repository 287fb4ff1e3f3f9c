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
  page.setDefaultTimeout(5000);
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
