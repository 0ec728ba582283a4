import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ChartSeries, type ChartSpec, chartFigures, chartScripts } from './chart-page.ts';
import { timeUnit } from './chart-model.ts';
import { esc, pageHead, scriptJson } from './html-report.ts';
import type { DbTimeTotals, SimReport } from './sim-model.ts';

const CSS =
  'body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}td.n{text-align:right}#plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(30em,1fr));gap:0 2em}.chart{position:relative;height:20em}.note{color:#59636e}';

/**
 * The plots of a run over simulated time: throughput, queue lengths, matcher latency, the
 * DB's size (when the box could say), and the wall-clock cost of the simulation with the
 * database's part of it (when the box could say).
 */
export function simCharts(report: SimReport): ChartSpec[] {
  const { series } = report;
  const { unit, perUnitS } = timeUnit(report.summary.model_s);
  const labels = series.t_s.map((s) => String(Number((s / perUnitS).toFixed(2))));
  const xTitle = `simulated time (${unit})`;
  const chart = (id: string, title: string, yTitle: string, lines: ChartSeries[]): ChartSpec => ({
    id,
    title,
    kind: 'line',
    labels,
    series: lines,
    yTitle,
    xTitle,
  });
  const charts = [
    chart('throughput', 'Throughput (jobs finished per simulated hour)', 'jobs per hour', [
      { label: 'jobs finished per hour', data: series.jobs_per_hour },
    ]),
    chart('queues', 'Queue lengths', 'jobs or pilots', [
      { label: 'jobs waiting', data: series.jobs_waiting },
      { label: 'jobs matched', data: series.jobs_matched },
      { label: 'jobs running', data: series.jobs_running },
      { label: 'jobs stalled', data: series.jobs_stalled },
      { label: 'pilots queued', data: series.pilots_queued },
      { label: 'pilots running', data: series.pilots_running },
    ]),
    chart('matcher', 'Matcher latency (wall clock, per match call)', 'ms', [
      { label: 'p50', data: series.match_p50_ms },
      { label: 'p95', data: series.match_p95_ms },
      { label: 'max', data: series.match_max_ms },
    ]),
  ];
  if (series.db_bytes !== undefined)
    charts.push(
      chart('db-size', 'Database size', 'MB', [
        { label: 'DB size', data: series.db_bytes.map((b) => Math.round(b / 1000) / 1000) },
      ]),
    );
  const mb = (values: readonly number[]) => values.map((b) => Math.round(b / 1000) / 1000);
  if (series.rss_bytes !== undefined && series.heap_used_bytes !== undefined)
    charts.push(
      chart('memory', 'Process memory (measured)', 'MB', [
        { label: 'resident (RSS)', data: mb(series.rss_bytes) },
        { label: 'JavaScript heap in use', data: mb(series.heap_used_bytes) },
      ]),
    );
  charts.push(
    chart('wall-per-job', 'Wall-clock cost per simulated job', 'wall ms per job finished', [
      { label: 'wall ms per job', data: series.wall_ms_per_job },
      ...(series.db_ms_per_job === undefined
        ? []
        : [{ label: "of which the database's statements", data: series.db_ms_per_job }]),
    ]),
    chart('wall-per-interval', 'Wall-clock time per simulated interval', 'wall s', [
      { label: `wall s per ${report.interval_s / 60} simulated min`, data: series.wall_s },
    ]),
  );
  return charts;
}

/** The run as one self-contained page (Chart.js inlined, no fetches), tables readable without scripts. */
export function renderSimHtml(report: SimReport): string {
  const { summary, totals, inputs } = report;
  const unfinished = summary.jobs.by_status.unfinished ?? 0;
  const title = `gridbox sim: ${summary.jobs.submitted} jobs, ${(summary.model_s / 3600).toFixed(1)} h simulated in ${summary.wall_s} s`;
  const rows = (pairs: [string, string][]) =>
    `<table>${pairs.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
  const ms = (value: number | null) => (value === null ? 'none' : `${value} ms`);
  const charts = simCharts(report);
  return `${pageHead(title, CSS)}
<body>
<h1>${esc(title)}</h1>
${rows([
  ['Seed', String(inputs.seed)],
  ['Target', inputs.target ?? 'a box of its own, in process'],
  ['Fixtures', inputs.fixtures ?? "the target's configuration"],
  ['Clock', `${inputs.clock}, ${inputs.speedup} model s per clock s`],
  ['Transport', inputs.transport],
  ['Started', report.started_at],
  ['Event log', `${summary.events.total} events, sha256 ${summary.event_log_sha256}`],
  ['gridbox', inputs.gridbox_version],
])}
<h2>Totals</h2>
${rows([
  [
    'Jobs',
    `${summary.jobs.submitted} submitted, ${totals.jobs_ended} ended${unfinished > 0 ? `, ${unfinished} unfinished` : ''}`,
  ],
  ['Pilots', String(summary.pilots)],
  [
    'Simulated time',
    `${(summary.model_s / 3600).toFixed(2)} h (samples every ${report.interval_s / 60} min)`,
  ],
  ['Wall time', `${totals.wall_s} s`],
  ['Wall-clock cost per job', ms(totals.wall_ms_per_job)],
  [
    'Matcher latency',
    `${totals.match.calls} calls, p50 ${ms(totals.match.p50_ms)}, p95 ${ms(totals.match.p95_ms)}, max ${ms(totals.match.max_ms)}`,
  ],
  [
    'Database size',
    totals.db_bytes_max === undefined
      ? 'not known (a --target)'
      : `${(totals.db_bytes_max / 1e6).toFixed(1)} MB at most`,
  ],
  [
    'Process memory',
    totals.rss_bytes_max === undefined
      ? 'not measured'
      : `${(totals.rss_bytes_max / 1e6).toFixed(1)} MB resident at most`,
  ],
  ['Database time', dbTimeLine(totals.db_time)],
])}
${dbTimeTable(totals.db_time)}
<h2>Jobs by final status</h2>
<table>${Object.entries(summary.jobs.by_status)
    .map(([status, n]) => `<tr><th>${esc(status)}</th><td class="n">${n}</td></tr>`)
    .join('')}</table>
<section id="plots">
<noscript><p class="note">The plots need JavaScript; the tables do not.</p></noscript>
${chartFigures(charts)}
</section>
<script type="application/json" id="gridbox-sim">${scriptJson(report)}</script>
${chartScripts('gridbox-sim-charts', { charts })}
</body>
</html>
`;
}

function dbTimeLine(db: DbTimeTotals | undefined): string {
  if (db === undefined) return 'not measured (a --target)';
  const share =
    db.share_of_wall === null ? '' : `, ${(db.share_of_wall * 100).toFixed(1)} % of the wall time`;
  const perJob =
    db.ms_per_job === null
      ? ''
      : `; ${db.statements_per_job} statements and ${db.ms_per_job} ms per job`;
  return `${db.statements} statements in ${db.wall_s} s${share}${perJob}`;
}

/** The kinds of statement that took the most time: where a faster run would have to save. */
function dbTimeTable(db: DbTimeTotals | undefined): string {
  if (db === undefined || db.by_kind.length === 0) return '';
  const cell = (value: number | null) => `<td class="n">${value === null ? '' : value}</td>`;
  return `<h2>Where the database's time went</h2>
<p class="note">Wall time inside each statement of the box's database, by kind (lists of values folded to (…)), most first.</p>
<table><tr><th>statement</th><th>calls</th><th>per job</th><th>µs per call</th><th>wall s</th></tr>${db.by_kind
    .map(
      (kind) =>
        `<tr><td><code>${esc(kind.sql)}</code></td>${cell(kind.calls)}${cell(kind.calls_per_job)}${cell(kind.us_per_call)}${cell(kind.wall_s)}</tr>`,
    )
    .join('')}</table>`;
}

/** Writes sim.json and index.html into `dir` (created if missing); returns their paths. */
export async function writeSimReport(
  report: SimReport,
  dir: string,
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'sim.json');
  const html = join(dir, 'index.html');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(html, renderSimHtml(report));
  return { json, html };
}
