// The dashboard's static files from web/: known types only, no way out of the folder, a strict CSP.
// Kept by hand rather than @fastify/static (issue 14): the rules are an allow-list (these types, these vendored files
// resolved from their packages, the real path inside the root), and the answer is a Reply like every route's, with
// the same security headers; @fastify/static's ranges, ETags, directory and dot-file options would all be turned off.

import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import type { Reply } from './reply.ts';

/** The dashboard talks only to this API: no inline script, no third-party origin. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.ico': 'image/x-icon',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
};

/**
 * The dashboard's libraries, served from node_modules as they ship (no copy, no build step): URL name -> package and
 * file. Only these files; nothing else under node_modules is reachable.
 */
const VENDOR_FILES: Readonly<Record<string, readonly [pkg: string, file: string]>> = {
  'uplot.esm.js': ['uplot', 'dist/uPlot.esm.js'],
  'uplot.min.css': ['uplot', 'dist/uPlot.min.css'],
};

const requireFromHere = createRequire(import.meta.url);

/** `/vendor/<name>` -> the file in its package, or null. */
function vendorFile(segments: readonly string[]): string | null {
  if (segments.length !== 2 || segments[0] !== 'vendor') return null;
  const entry = Object.hasOwn(VENDOR_FILES, segments[1]!) ? VENDOR_FILES[segments[1]!] : undefined;
  if (entry === undefined) return null;
  try {
    return join(dirname(requireFromHere.resolve(`${entry[0]}/package.json`)), entry[1]);
  } catch {
    return null;
  }
}

/**
 * The file for a URL path, or null (404). Refuses encoded separators, dot segments, hidden files, NUL bytes,
 * unknown extensions, and anything whose real path (after symlinks) is outside `root`.
 */
export async function serveStatic(root: string, urlPath: string): Promise<Reply | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment.startsWith('.'))) return null;
  const relative = segments.length === 0 ? ['index.html'] : segments;
  const type = TYPES[extname(relative[relative.length - 1]!).toLowerCase()];
  if (type === undefined) return null;
  const vendored = vendorFile(segments);
  let base: string;
  let file: string;
  try {
    base = await realpath(resolve(vendored === null ? root : dirname(vendored)));
    file = await realpath(vendored ?? join(base, ...relative));
    if (!file.startsWith(base + sep)) return null;
    if (!(await stat(file)).isFile()) return null;
  } catch {
    return null;
  }
  const body = await readFile(file);
  return {
    status: 200,
    headers: {
      'content-type': type,
      'content-security-policy': DASHBOARD_CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
    },
    body,
  };
}
