// What the every-page test measures in a rendered page: width, unsafe elements, chart ink, axe-core violations, text
// contrast from computed styles, and a Tab walk. Page code is passed as strings: the project compiles without the DOM.

import type { Page } from 'playwright-core';

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

export interface PageFacts {
  /** The document's scroll width: more than the viewport means the page scrolls sideways. */
  readonly scrollWidth: number;
  /** img, script, svg, iframe or object elements inside #app: none is ours, so any would be injected. */
  readonly unsafeElements: number;
  /** #app's text, hidden parts included. */
  readonly text: string;
  /** [chart id, pixels in one of the series colours] for each Overview chart. */
  readonly charts: [string, number][];
  readonly axe: AxeViolation[];
  /** Visible text below 4.5:1 (3:1 when large) against its effective background, described. */
  readonly lowContrast: string[];
}

/** Counts pixels close to a series colour in each chart's canvas (colours read from the page's custom properties). */
const CHART_INK = `(() => {
  const out = [];
  for (const figure of document.querySelectorAll('.ov-chart')) {
    const canvas = figure.querySelector('canvas');
    if (!canvas) { out.push([figure.id, -1]); continue; }
    const style = getComputedStyle(figure);
    const colours = ['--ov-legit', '--ov-unauth', '--ov-unexpl', '--ov-mttd', '--ov-mttr', '--ov-window']
      .map((name) => style.getPropertyValue(name).trim())
      .map((hex) => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)));
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 200) continue;
      if (colours.some(([r, g, b]) => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60)) n++;
    }
    out.push([figure.id, n]);
  }
  return out;
})()`;

/**
 * WCAG contrast of every visible element that holds text of its own, against the first opaque background up its
 * ancestors (the page's own, white or the dark theme's, at the top). Semi-transparent backgrounds are blended.
 */
const CONTRAST = `(() => {
  const parse = (c) => { const v = (c.match(/[\\d.]+/g) || []).map(Number); return { r: v[0] || 0, g: v[1] || 0, b: v[2] || 0, a: v.length > 3 ? v[3] : 1 }; };
  const lum = ({ r, g, b }) => [r, g, b].map((v) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
    .reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
  const blend = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const backgroundOf = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg.a > 0) layers.push(bg);
      if (bg.a >= 1) break;
    }
    let colour = layers.length > 0 && layers[layers.length - 1].a >= 1 ? layers.pop() : { r: 255, g: 255, b: 255, a: 1 };
    while (layers.length > 0) colour = blend(layers.pop(), colour);
    return colour;
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility || !el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.closest('canvas, [aria-hidden="true"], .u-legend .u-marker')) continue;
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const fg = parse(style.color);
    const bg = backgroundOf(el);
    const text = blend(fg, bg);
    const [hi, lo] = [lum(text), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < (large ? 3 : 4.5)) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' "' + el.textContent.trim().slice(0, 30) + '" ' + style.color + ' on rgb(' + [bg.r, bg.g, bg.b].map(Math.round).join(', ') + ') = ' + ratio.toFixed(2));
    }
  }
  return out;
})()`;

const AXE_RUN = `(async () => {
  const result = await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
})()`;

/** Injects axe-core once per document: through CDP evaluation, which the page's CSP does not govern. */
async function runAxe(page: Page, axeSource: string): Promise<AxeViolation[]> {
  if (!(await page.evaluate<boolean>(`typeof window.axe === 'object'`))) await page.evaluate(axeSource);
  return page.evaluate<AxeViolation[]>(AXE_RUN);
}

/** Pixels in a series colour, by chart id (-1: a chart without its canvas). */
export async function drawnPixels(page: Page): Promise<Record<string, number>> {
  return Object.fromEntries(await page.evaluate<[string, number][]>(CHART_INK));
}

export async function collectPageFacts(page: Page, axeSource: string): Promise<PageFacts> {
  const [scrollWidth, unsafeElements, text] = await page.evaluate<[number, number, string]>(`[
    Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    document.querySelectorAll('#app img, #app script, #app svg, #app iframe, #app object').length,
    document.querySelector('#app').textContent,
  ]`);
  return {
    scrollWidth,
    unsafeElements,
    text,
    charts: await page.evaluate<[string, number][]>(CHART_INK),
    axe: await runAxe(page, axeSource),
    lowContrast: await page.evaluate<string[]>(CONTRAST),
  };
}

export interface FocusStop {
  readonly tag: string;
  /** The accessible name, as axe-core computes it. */
  readonly name: string;
  readonly focusVisible: boolean;
  /** Inside the page's own view (not the header or the key figures). */
  readonly inView: boolean;
  /** Distance from the top of the document. */
  readonly top: number;
}

const FOCUS_STOP = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''),
    name: (() => { axe.setup(document); try { return axe.commons.text.accessibleText(el).trim(); } finally { axe.teardown(); } })(),
    focusVisible: outline || shadow,
    inView: el.closest('#view') !== null,
    top: el.getBoundingClientRect().top + window.scrollY,
  };
})()`;

/** Presses Tab `count` times from the top of the document and records where the focus lands each time. */
export async function tabThrough(page: Page, count: number, axeSource: string): Promise<FocusStop[]> {
  if (!(await page.evaluate<boolean>(`typeof window.axe === 'object'`))) await page.evaluate(axeSource);
  const stops: FocusStop[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate<FocusStop | null>(FOCUS_STOP);
    if (stop !== null) stops.push(stop);
  }
  return stops;
}
