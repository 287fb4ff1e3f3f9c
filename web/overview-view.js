// @ts-check
// The Overview (the landing page): removals over time by outcome, open cases by severity, MTTD/MTTR, the
// vulnerability-window distribution and posture, all over one time range kept in the URL (#/overview?range=30d).

import { getKpiTrends } from './api.js';
import { h, labelled, replace, table } from './dom.js';
import { formatDuration, formatTime, SEVERITIES } from './format.js';
import { drawChart, loadUPlot } from './overview-charts.js';

/** @typedef {import('./view-context.js').ViewContext} ViewContext */
/** @typedef {import('../src/cases/index.ts').KpiTrends} KpiTrends */
/** @typedef {import('./overview-charts.js').ChartSpec} ChartSpec */

const DAY_MS = 86_400_000;
export const RANGE_PRESETS = /** @type {const} */ ({ '7d': 7, '30d': 30, '90d': 90, '365d': 365 });
export const DEFAULT_PRESET = '90d';
const BUCKETS = ['day', 'week', 'month'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * @typedef {object} OverviewRange
 * @property {number} fromMs
 * @property {number} toMs exclusive
 * @property {string | null} preset `30d`..., null for custom dates
 * @property {string | null} from custom: first day, YYYY-MM-DD (UTC)
 * @property {string | null} to custom: last day, inclusive
 * @property {string | null} bucket null: the server picks by the range's length
 */

/**
 * The range a URL asks for; anything unreadable falls back to the default preset (never an error page).
 * @param {URLSearchParams} params
 * @param {number} nowMs
 * @returns {OverviewRange}
 */
export function parseRange(params, nowMs) {
  const rawBucket = params.get('bucket') ?? '';
  const bucket = BUCKETS.includes(rawBucket) ? rawBucket : null;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  if (DATE.test(from) && DATE.test(to)) {
    const fromMs = Date.parse(`${from}T00:00:00Z`);
    const toMs = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
    if (Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs)
      return { fromMs, toMs, preset: null, from, to, bucket };
  }
  const asked = params.get('range') ?? '';
  const preset = Object.hasOwn(RANGE_PRESETS, asked) ? asked : DEFAULT_PRESET;
  const days = RANGE_PRESETS[/** @type {keyof typeof RANGE_PRESETS} */ (preset)];
  return { fromMs: nowMs - days * DAY_MS, toMs: nowMs, preset, from: null, to: null, bucket };
}

/**
 * @param {{ preset: string | null, from: string | null, to: string | null, bucket: string | null }} range
 * @returns {string} the hash of the Overview for this range
 */
export function rangeHash(range) {
  const params = new URLSearchParams();
  if (range.preset === null && range.from !== null && range.to !== null) {
    params.set('from', range.from);
    params.set('to', range.to);
  } else params.set('range', range.preset ?? DEFAULT_PRESET);
  if (range.bucket !== null) params.set('bucket', range.bucket);
  return `#/overview?${params.toString()}`;
}

/**
 * @param {OverviewRange} range
 * @param {ViewContext} ctx
 * @returns {HTMLFormElement}
 */
function rangePicker(range, ctx) {
  /** @param {number} ms */
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  const preset = h(
    'select',
    { id: 'ov-range', name: 'range', value: range.preset ?? 'custom' },
    Object.keys(RANGE_PRESETS).map((key) => h('option', { value: key }, `Last ${key.replace('d', ' days')}`)),
    h('option', { value: 'custom' }, 'Custom dates'),
  );
  const from = h('input', {
    id: 'ov-from',
    name: 'from',
    type: 'date',
    value: range.from ?? day(range.fromMs),
  });
  const to = h('input', { id: 'ov-to', name: 'to', type: 'date', value: range.to ?? day(range.toMs - 1) });
  const bucket = h(
    'select',
    { id: 'ov-bucket', name: 'bucket', value: range.bucket ?? '' },
    h('option', { value: '' }, 'Automatic'),
    BUCKETS.map((name) => h('option', { value: name }, `By ${name}`)),
  );
  // Typing a date means custom dates.
  for (const input of [from, to]) input.addEventListener('input', () => (preset.value = 'custom'));
  return h(
    'form',
    {
      id: 'ov-range-form',
      class: 'range-picker',
      label: 'Time range',
      onSubmit: (event) => {
        event.preventDefault();
        const custom = preset.value === 'custom';
        ctx.navigate(
          rangeHash({
            preset: custom ? null : preset.value,
            from: custom ? from.value : null,
            to: custom ? to.value : null,
            bucket: bucket.value === '' ? null : bucket.value,
          }),
        );
      },
    },
    labelled('Range', preset),
    labelled('From', from),
    labelled('To (inclusive)', to),
    labelled('Bucket', bucket),
    h('button', { type: 'submit' }, 'Apply'),
  );
}

/** @param {number | null} ms */
const minutes = (ms) => (ms === null ? null : Math.round((ms / 60_000) * 10) / 10);

/**
 * @typedef {object} Chart one panel: what a screen reader hears, the chart, and its data as a table
 * @property {string} id
 * @property {string} title
 * @property {string} summary
 * @property {ChartSpec} spec
 * @property {string[]} headings
 * @property {(string | number)[][]} rows
 */

/** @param {number | null} value */
const asMinutes = (value) => (value === null ? '—' : `${value} min`);
/** @param {number | null} value */
const asPercent = (value) => (value === null ? '—' : `${value}%`);

/**
 * @param {KpiTrends} trends
 * @returns {Chart}
 */
function removalsChart(trends) {
  const { removals } = trends.totals;
  /** @type {[string, string, 'solid' | 'hatch' | 'dots', 'legitimate' | 'unauthorized' | 'unexplained'][]} */
  const outcomes = [
    ['legitimate', '--ov-legit', 'solid', 'legitimate'],
    ['unauthorized', '--ov-unauth', 'hatch', 'unauthorized'],
    ['unexplained', '--ov-unexpl', 'dots', 'unexplained'],
  ];
  return {
    id: 'chart-removals',
    title: `MFA removals by ${trends.bucket}`,
    summary: `${removals.total} removals: ${removals.legitimate} legitimate, ${removals.unauthorized} unauthorized, ${removals.unexplained} unexplained.`,
    spec: {
      kind: 'stacked',
      labels: trends.points.map((p) => p.label),
      yLabel: 'removals',
      series: outcomes.map(([label, colourVar, pattern, key]) => ({
        label,
        colourVar,
        pattern,
        values: trends.points.map((p) => p.removals[key]),
      })),
    },
    headings: [trends.bucket, 'legitimate', 'unauthorized', 'unexplained', 'total'],
    rows: trends.points.map((p) => [
      p.label,
      p.removals.legitimate,
      p.removals.unauthorized,
      p.removals.unexplained,
      p.removals.total,
    ]),
  };
}

/**
 * MTTD and MTTR, and the time to MFA of users provisioned without it when there are such cases.
 * @param {KpiTrends} trends
 * @returns {Chart}
 */
function timesChart(trends) {
  const t = trends.totals;
  const provisioned = trends.provisionedMttr;
  /** @type {import('./overview-charts.js').ChartSeries[]} */
  const series = [
    {
      label: 'MTTD p50',
      colourVar: '--ov-mttd',
      values: trends.points.map((p) => minutes(p.mttd.p50Ms)),
      format: asMinutes,
    },
    {
      label: 'MTTR p50',
      colourVar: '--ov-mttr',
      dash: [8, 5],
      values: trends.points.map((p) => minutes(p.mttr.p50Ms)),
      format: asMinutes,
    },
  ];
  if (provisioned.length > 0)
    series.push({
      label: 'new user to MFA p50',
      colourVar: '--ov-window',
      dash: [2, 4],
      values: provisioned.map((p) => minutes(p.p50Ms)),
      format: asMinutes,
    });
  return {
    id: 'chart-times',
    title: 'MTTD and MTTR (median, minutes)',
    summary: `MTTD average ${formatDuration(t.mttd.avgMs)} over ${t.mttd.count}; MTTR average ${formatDuration(t.mttr.avgMs)} over ${t.mttr.count}.`,
    spec: { kind: 'lines', labels: trends.points.map((p) => p.label), yLabel: 'minutes', series },
    headings: [
      trends.bucket,
      'MTTD p50',
      'MTTD n',
      'MTTR p50',
      'MTTR n',
      ...(provisioned.length > 0 ? ['new user to MFA p50'] : []),
    ],
    rows: trends.points.map((p, i) => [
      p.label,
      formatDuration(p.mttd.p50Ms),
      p.mttd.count,
      formatDuration(p.mttr.p50Ms),
      p.mttr.count,
      ...(provisioned.length > 0 ? [formatDuration(provisioned[i]?.p50Ms ?? null)] : []),
    ]),
  };
}

/**
 * @param {KpiTrends} trends
 * @returns {Chart}
 */
function windowChart(trends) {
  const window = trends.vulnerabilityWindow;
  return {
    id: 'chart-window',
    title: 'Vulnerability window (removal to re-enrolment)',
    summary: `${window.count} removals re-enrolled, ${window.stillExposed} still exposed.`,
    spec: {
      kind: 'bars',
      labels: window.histogram.map((bin) => bin.label),
      yLabel: 'removals',
      series: [
        {
          label: 're-enrolled',
          colourVar: '--ov-window',
          pattern: 'hatch',
          values: window.histogram.map((bin) => bin.count),
        },
      ],
    },
    headings: ['window', 'removals'],
    rows: window.histogram.map((bin) => [bin.label, bin.count]),
  };
}

/**
 * @param {KpiTrends} trends
 * @returns {Chart}
 */
function denialsChart(trends) {
  const { denials } = trends.totals;
  return {
    id: 'chart-denials',
    title: `MFA-related access denials by ${trends.bucket}`,
    summary: `${denials.total}${trends.denialsTruncated ? ' or more' : ''} denials: ${denials.noMfaSession} from sessions without MFA, ${denials.mfaPolicy} by an MFA policy.`,
    spec: {
      kind: 'stacked',
      labels: trends.points.map((p) => p.label),
      yLabel: 'denials',
      series: [
        {
          label: 'session without MFA',
          colourVar: '--ov-mttr',
          pattern: 'solid',
          values: trends.points.map((p) => p.denials.noMfaSession),
        },
        {
          label: 'MFA policy',
          colourVar: '--ov-unexpl',
          pattern: 'hatch',
          values: trends.points.map((p) => p.denials.mfaPolicy),
        },
      ],
    },
    headings: [trends.bucket, 'session without MFA', 'MFA policy'],
    rows: trends.points.map((p) => [p.label, p.denials.noMfaSession, p.denials.mfaPolicy]),
  };
}

/**
 * @param {KpiTrends} trends
 * @returns {Chart}
 */
function postureChart(trends) {
  return {
    id: 'chart-posture',
    title: 'Posture (console users, %)',
    // Event-updated states are stamped with the event's time: the line moves when the user changed, not at the audit.
    summary: `${trends.posture.length} posture snapshots in the range, ${trends.posture.filter((s) => s.source === 'events').length} of them updated by CloudTrail events.`,
    spec: {
      kind: 'lines',
      labels: trends.points.map((p) => p.label),
      yLabel: 'percent',
      yMax: 100,
      series: [
        {
          label: 'with MFA',
          colourVar: '--ov-legit',
          values: trends.points.map((p) => p.posture?.withMfaPercent ?? null),
          format: asPercent,
        },
        {
          label: 'enforced by policy',
          colourVar: '--ov-mttr',
          dash: [8, 5],
          values: trends.points.map((p) => p.posture?.enforcedPercent ?? null),
          format: asPercent,
        },
        {
          label: 'CIS score',
          colourVar: '--ov-unexpl',
          dash: [2, 4],
          values: trends.points.map((p) => p.posture?.cisScore ?? null),
        },
      ],
    },
    headings: [trends.bucket, 'with MFA', 'enforced', 'CIS score', 'from'],
    rows: trends.points.map((p) => [
      p.label,
      p.posture?.withMfaPercent ?? '—',
      p.posture?.enforcedPercent ?? '—',
      p.posture?.cisScore ?? '—',
      p.posture === null ? '—' : p.posture.eventUpdated ? 'audit + events' : 'audit',
    ]),
  };
}

/**
 * The Overview's charts, the posture one only when snapshots exist.
 * @param {KpiTrends} trends
 * @returns {Chart[]}
 */
export function chartsOf(trends) {
  const charts = [removalsChart(trends), timesChart(trends), windowChart(trends), denialsChart(trends)];
  if (trends.points.some((p) => p.posture !== null)) charts.push(postureChart(trends));
  return charts;
}

/**
 * @param {KpiTrends} trends
 * @returns {HTMLElement}
 */
function openCasesPanel(trends) {
  const counts = trends.openCasesBySeverity;
  const most = Math.max(1, ...SEVERITIES.map((severity) => counts[severity] ?? 0));
  const rows = SEVERITIES.map((severity) => {
    const bar = h('span', { class: `ov-bar sev-${severity}` });
    bar.style.width = `${((counts[severity] ?? 0) / most) * 100}%`;
    return h(
      'tr',
      null,
      h('th', { role: 'rowheader' }, severity),
      h('td', null, counts[severity] ?? 0),
      h('td', { class: 'ov-bar-cell' }, bar),
    );
  });
  return h(
    'section',
    { class: 'ov-panel', id: 'ov-open-cases', label: 'Open cases by severity' },
    h('h2', null, 'Open cases by severity (now)'),
    h('table', { class: 'ov-bars' }, h('tbody', null, rows)),
  );
}

/**
 * @param {HTMLElement} view
 * @param {ViewContext} ctx
 * @param {URLSearchParams} params
 * @returns {Promise<void>}
 */
export async function renderOverview(view, ctx, params) {
  const range = parseRange(params, ctx.now());
  const status = h('p', { id: 'ov-status', class: 'muted', role: 'status' }, 'Loading…');
  const body = h('div', { id: 'ov-body', class: 'ov-grid' });
  replace(
    view,
    h(
      'section',
      { class: 'overview', id: 'overview' },
      h('h1', null, 'Overview'),
      rangePicker(range, ctx),
      status,
      body,
    ),
  );
  const [uPlot, trends] = await Promise.all([
    loadUPlot(),
    getKpiTrends({ fromMs: range.fromMs, toMs: range.toMs, bucket: range.bucket }),
  ]);
  if (!ctx.isCurrent()) return;
  const t = trends.totals;
  replace(
    status,
    `${formatTime(trends.from)} to ${formatTime(trends.to)}, by ${trends.bucket} (UTC) · ${t.removals.total} removals · MTTD avg ${formatDuration(t.mttd.avgMs)} · MTTR avg ${formatDuration(t.mttr.avgMs)} · ${t.denials.total} MFA-related denials${trends.denialsTruncated ? ' (at least)' : ''}`,
  );
  /** @type {{ figure: HTMLElement, plot: HTMLElement, spec: ChartSpec }[]} */
  const mounted = [];
  const panels = chartsOf(trends).map((chart) => {
    const plot = h('div', { class: 'ov-plot', role: 'img', label: `${chart.title}. ${chart.summary}` });
    const figure = h(
      'figure',
      { class: 'ov-panel ov-chart', id: chart.id },
      h('figcaption', null, h('h2', null, chart.title), h('p', { class: 'muted' }, chart.summary)),
      plot,
      h(
        'details',
        null,
        h('summary', null, 'Data as a table'),
        h(
          'div',
          { class: 'ov-table' },
          table(
            chart.headings,
            chart.rows.map((row) =>
              h(
                'tr',
                null,
                row.map((cell) => h('td', null, cell)),
              ),
            ),
          ),
        ),
      ),
    );
    mounted.push({ figure, plot, spec: chart.spec });
    return figure;
  });
  const posturePanel = trends.points.some((point) => point.posture !== null)
    ? null
    : h(
        'section',
        { class: 'ov-panel', id: 'ov-posture-empty' },
        h('h2', null, 'Posture'),
        h('p', { class: 'muted' }, 'No posture snapshots in this range.'),
      );
  replace(body, panels, openCasesPanel(trends), posturePanel);
  const charts = mounted.map(({ figure, plot, spec }) => ({
    figure,
    chart: drawChart(uPlot, plot, spec, widthOf(figure)),
  }));
  // Charts follow their panel's width (a phone turned, a window resized) while the Overview is on screen.
  const observer = new ResizeObserver(() => {
    if (!ctx.isCurrent()) {
      observer.disconnect();
      for (const { chart } of charts) chart.destroy();
      return;
    }
    for (const { figure, chart } of charts) chart.setSize({ width: widthOf(figure), height: 220 });
  });
  for (const { figure } of charts) observer.observe(figure);
}

/**
 * @param {HTMLElement} figure
 * @returns {number}
 */
function widthOf(figure) {
  const style = getComputedStyle(figure);
  const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
  return Math.max(200, Math.floor(figure.clientWidth - padding));
}
