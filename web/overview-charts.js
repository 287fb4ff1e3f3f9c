// @ts-check
// The Overview's charts, drawn by uPlot (served from node_modules under /vendor/, loaded only by this page), in the
// page's colours (CSS custom properties, so dark mode follows), with patterns and dashes so no series is told apart
// by colour alone. Labels are drawn on a canvas or set as text: data never becomes markup.

import { visible } from './format.js';

/** @typedef {typeof import('uplot')} UPlotClass */
/** @typedef {InstanceType<UPlotClass>} UPlot */
/** @typedef {import('uplot').Options} UPlotOptions */
/** @typedef {import('uplot').Series} UPlotSeries */
/** @typedef {import('uplot').AlignedData} AlignedData */

/** A path the type checker does not resolve: the file exists only on the server (src/api/static-files.ts). */
const UPLOT_URL = './vendor/uplot.esm.js';
const UPLOT_CSS = 'vendor/uplot.min.css';

/** @type {Promise<UPlotClass> | null} */
let loading = null;

/** @returns {Promise<UPlotClass>} */
export function loadUPlot() {
  if (loading === null) {
    if (document.querySelector(`link[href="${UPLOT_CSS}"]`) === null) {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = UPLOT_CSS;
      document.head.append(link);
    }
    loading = /** @type {Promise<{ default: UPlotClass }>} */ (import(UPLOT_URL)).then(
      (module) => module.default,
      (error) => {
        loading = null;
        throw new Error(`the chart library did not load (${error instanceof Error ? error.message : error})`);
      },
    );
  }
  return loading;
}

/**
 * @param {Element} element
 * @param {string} name a custom property, e.g. `--ov-ink`
 * @returns {string}
 */
function cssVar(element, name) {
  return getComputedStyle(element).getPropertyValue(name).trim() || '#888888';
}

/**
 * A fill that is not a colour alone: solid, diagonal hatching or dots, in the series' colour.
 * @param {'solid' | 'hatch' | 'dots'} kind
 * @param {string} colour
 * @param {string} background
 * @returns {CanvasPattern | string}
 */
function patternFill(kind, colour, background) {
  if (kind === 'solid') return colour;
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  const c = tile.getContext('2d');
  if (c === null) return colour;
  c.fillStyle = background;
  c.fillRect(0, 0, 8, 8);
  c.fillStyle = colour;
  c.strokeStyle = colour;
  if (kind === 'hatch') {
    c.lineWidth = 2.5;
    c.beginPath();
    c.moveTo(-2, 10);
    c.lineTo(10, -2);
    c.moveTo(-2, 2);
    c.lineTo(2, -2);
    c.moveTo(6, 10);
    c.lineTo(10, 6);
    c.stroke();
  } else {
    c.beginPath();
    c.arc(4, 4, 2.2, 0, Math.PI * 2);
    c.fill();
  }
  return c.createPattern(tile, 'repeat') ?? colour;
}

/**
 * Category labels from the API, cut and with hidden characters shown (a canvas would reorder bidi text silently).
 * @param {readonly string[]} labels
 * @returns {(self: UPlot, splits: number[]) => string[]}
 */
function categoryValues(labels) {
  return (_self, splits) =>
    splits.map((split) => {
      const label = Number.isInteger(split) ? labels[split] : undefined;
      return label === undefined ? '' : visible(label).slice(0, 24);
    });
}

/** The x axis' font, named so that label widths can be measured before uPlot draws them (its default font). */
const AXIS_FONT =
  '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
/** The height a label of that font takes across its slant, and the clear space kept between slanted neighbours. */
const LABEL_HEIGHT = 15;
const LABEL_GAP = 8;
/** Slants tried in turn, flattest first: the flattest that keeps neighbours LABEL_GAP apart is used. */
const SLANTS = [35, 50, 65, 90];

/** @type {CanvasRenderingContext2D | null} */
let measurer = null;

/**
 * @param {readonly (string | null)[]} values
 * @returns {number} the widest label, in CSS pixels
 */
function widestLabel(values) {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (measurer === null) return 0;
  measurer.font = AXIS_FONT;
  const m = measurer;
  return Math.max(0, ...values.map((value) => (value === null ? 0 : m.measureText(value).width)));
}

/**
 * How steeply the histogram's labels slant so that neighbours `space` px apart (tick to tick) do not touch: parallel
 * labels are `space · sin(slant)` apart across their length, which must leave LABEL_GAP beside the text's height.
 * On a phone six bins leave ~36 px each, too little at 35°.
 * @param {number} space
 * @returns {number} degrees
 */
export function labelSlant(space) {
  return SLANTS.find((slant) => space * Math.sin((slant * Math.PI) / 180) - LABEL_HEIGHT >= LABEL_GAP) ?? 90;
}

/**
 * The histogram's x axis: labels slanted as steeply as the space between them needs, and an axis as tall as the
 * longest label then reaches. The slant is left on the chart (`data-x-slant`) for the page tests.
 * @param {HTMLElement} target
 * @returns {Partial<import('uplot').Axis>}
 */
function slantedAxis(target) {
  let slant = SLANTS[0] ?? 35;
  return {
    font: AXIS_FONT,
    space: 18,
    rotate: (_self, _values, _axis, space) => {
      slant = labelSlant(space);
      target.dataset['xSlant'] = String(slant);
      return -slant;
    },
    // uPlot asks for the size after the rotation, in each layout pass: the slant is the one just chosen.
    size: (_self, values) => {
      const radians = (slant * Math.PI) / 180;
      const reach = widestLabel(values ?? []) * Math.sin(radians) + LABEL_HEIGHT * Math.cos(radians);
      // Ticks (10 px) and uPlot's gap (5 px) come before the text.
      return Math.ceil(reach + 18);
    },
  };
}

/**
 * uPlot's x entry in the legend names the hovered bucket; with nothing hovered it would read "bucket: —", an entry
 * with nothing in it, so it is shown only while a bucket is hovered.
 * @param {UPlot} u
 */
function bucketEntryFollowsCursor(u) {
  const entry = u.root.querySelector('.u-legend .u-series');
  if (entry instanceof HTMLElement) entry.style.display = u.legend.idx == null ? 'none' : '';
}

/**
 * @typedef {object} ChartSeries
 * @property {string} label
 * @property {(number | null)[]} values
 * @property {string} colourVar the custom property holding its colour
 * @property {'solid' | 'hatch' | 'dots'} [pattern] bars
 * @property {number[]} [dash] lines
 * @property {(value: number | null) => string} [format] the value in the legend
 */

/**
 * @typedef {object} ChartSpec
 * @property {'bars' | 'stacked' | 'lines'} kind
 * @property {readonly string[]} labels one per category (x)
 * @property {ChartSeries[]} series
 * @property {string} yLabel
 * @property {number} [yMax]
 */

/**
 * Cumulative values for stacked bars: the taller stacks are drawn first, so each series shows its own band.
 * @param {ChartSeries[]} series
 * @returns {(number | null)[][]}
 */
function stack(series) {
  /** @type {(number | null)[][]} */
  const sums = [];
  series.forEach((s, i) => {
    sums.push(s.values.map((v, x) => (v ?? 0) + (i === 0 ? 0 : (sums[i - 1]?.[x] ?? 0))));
  });
  return sums;
}

/**
 * @param {UPlotClass} uPlot
 * @param {HTMLElement} target where the chart goes
 * @param {ChartSpec} spec
 * @param {number} width
 * @returns {UPlot}
 */
export function drawChart(uPlot, target, spec, width) {
  const ink = cssVar(target, '--ov-ink');
  const grid = cssVar(target, '--ov-grid');
  const background = cssVar(target, '--ov-panel');
  const xs = spec.labels.map((_, i) => i);
  const stacked = spec.kind === 'stacked' ? stack(spec.series) : null;
  // Stacked: the cumulative sums in reverse, so the last (tallest) stack is painted first and the others over it.
  const order = spec.series.map((_, i) => i);
  if (stacked !== null) order.reverse();
  const bars = spec.kind === 'lines' ? undefined : uPlot.paths.bars?.({ size: [0.7, 64], align: 0 });
  /** @type {UPlotSeries[]} */
  const series = [{ label: 'bucket', value: (_self, raw) => visible(spec.labels[raw] ?? '') }];
  /** @type {(number | null)[][]} */
  const data = [];
  for (const i of order) {
    const s = /** @type {ChartSeries} */ (spec.series[i]);
    const colour = cssVar(target, s.colourVar);
    data.push(stacked === null ? s.values : /** @type {(number | null)[]} */ (stacked[i]));
    series.push({
      label: s.label,
      stroke: colour,
      width: spec.kind === 'lines' ? 2 : 1,
      ...(s.dash === undefined ? {} : { dash: s.dash }),
      ...(spec.kind === 'lines'
        ? { points: { show: true, size: 6, fill: background }, spanGaps: true }
        : {
            fill: patternFill(s.pattern ?? 'solid', colour, background),
            ...(bars === undefined ? {} : { paths: bars }),
            points: { show: false },
          }),
      // The legend shows the series' own value, not the stacked sum.
      value: (_self, _raw, _series, index) => {
        const own = index === null ? null : (s.values[index] ?? null);
        return s.format === undefined ? (own === null ? '—' : String(own)) : s.format(own);
      },
    });
  }
  const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  /** @type {UPlotOptions} */
  const options = {
    width,
    height: 220,
    series,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false }, points: { show: spec.kind === 'lines' } },
    scales: {
      x: { time: false, range: [-0.5, Math.max(0, xs.length - 0.5)] },
      y: { range: (_self, _min, max) => [0, Math.max(spec.yMax ?? 0, max > 0 ? max * 1.1 : 1)] },
    },
    axes: [
      {
        ...axis,
        values: categoryValues(spec.labels),
        incrs: [1, 2, 3, 4, 6, 12, 24, 52],
        // A few long category names (the histogram's bins) are slanted so that each keeps its label.
        ...(spec.kind === 'bars' ? slantedAxis(target) : { space: 76 }),
      },
      {
        ...axis,
        label: spec.yLabel,
        size: 56,
        // Counts have whole-number ticks.
        ...(spec.kind === 'lines'
          ? {}
          : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000] }),
      },
    ],
  };
  options.hooks = { setLegend: [bucketEntryFollowsCursor] };
  const chart = new uPlot(options, /** @type {AlignedData} */ ([xs, ...data]), target);
  bucketEntryFollowsCursor(chart);
  return chart;
}
