import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchResult, HISTOGRAM_BOUNDS_MS } from './bench-model.ts';
import { type ChartSpec, chartFigures, chartScripts } from './chart-page.ts';
import { esc, pageHead, scriptJson } from './html-report.ts';

const CSS =
  'body{font-family:system-ui,sans-serif;margin:2em;max-width:72em}.passed{color:#186a3b}.failed{color:#a93226}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}.chart{position:relative;height:20em}';

/** One plot of the bench page. */
export type BenchChart = ChartSpec;

/** The bench page's model, drawn from the result alone. */
export interface BenchReport {
  title: string;
  passed: boolean;
  charts: BenchChart[];
}

/** The plots of a run: throughput per second, percentiles per route, the histogram, the sweep. */
export function benchReport(result: BenchResult): BenchReport {
  const routes = Object.entries(result.routes);
  const charts: BenchChart[] = [
    {
      id: 'throughput',
      title: 'Throughput over time (per second)',
      kind: 'line',
      labels: result.timeline.map((point) => String(point.second)),
      series: [
        { label: 'requests/s', data: result.timeline.map((point) => point.requests) },
        ...(result.matches > 0
          ? [{ label: 'matches/s', data: result.timeline.map((point) => point.matches) }]
          : []),
      ],
      yTitle: 'per second',
    },
    {
      id: 'percentiles',
      title: 'Latency percentiles per route',
      kind: 'bar',
      labels: ['p50', 'p95', 'p99', 'max'],
      series: routes.map(([route, r]) => ({
        label: route,
        data: [r.p50_ms, r.p95_ms, r.p99_ms, r.max_ms],
      })),
      yTitle: 'ms',
    },
    {
      id: 'histogram',
      title: 'Latency histogram',
      kind: 'bar',
      labels: [
        ...HISTOGRAM_BOUNDS_MS.map((bound) => `≤ ${bound} ms`),
        `> ${HISTOGRAM_BOUNDS_MS.at(-1)} ms`,
      ],
      series: routes.map(([route, r]) => ({ label: route, data: r.histogram.counts })),
      yTitle: 'responses',
    },
  ];
  if (result.sweep !== undefined)
    charts.push(
      {
        id: 'sweep-throughput',
        title: 'Throughput against backlog',
        kind: 'line',
        labels: result.sweep.map((point) => String(point.backlog_jobs)),
        series: [
          { label: 'requests/s', data: result.sweep.map((point) => point.requests_per_s) },
          { label: 'matches/s', data: result.sweep.map((point) => point.matches_per_s) },
        ],
        yTitle: 'per second',
      },
      {
        id: 'sweep-p99',
        title: 'p99 latency against backlog',
        kind: 'line',
        labels: result.sweep.map((point) => String(point.backlog_jobs)),
        series: [{ label: 'p99 (slowest route)', data: result.sweep.map((point) => point.p99_ms) }],
        yTitle: 'ms',
      },
    );
  return {
    title: `gridbox bench ${result.profile}: ${result.passed ? 'PASSED' : 'FAILED'}`,
    passed: result.passed,
    charts,
  };
}

/** The run as one self-contained page (Chart.js inlined, no fetches), tables readable without scripts. */
export function renderBenchHtml(result: BenchResult): string {
  const report = benchReport(result);
  const row = (cells: string[]) => `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  const head = (cells: string[]) => `<tr>${cells.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  return `${pageHead(report.title, CSS)}
<body>
<h1 class="${report.passed ? 'passed' : 'failed'}">${esc(report.title)}</h1>
<table>
${row(['Generator', result.generator])}
${row(['Target', result.target ?? 'a box of its own, in process'])}
${row(['Backlog', `${result.backlog_jobs} jobs (submitted in ${result.seed_s} s)`])}
${row(['Measured', `${result.duration_s} s after ${result.warmup_s} s of warm-up`])}
${row(['Connections', String(result.connections)])}
${row(['Arrival rate', result.rate_per_s === null ? 'as fast as answered' : `${result.rate_per_s} requests/s`])}
${row(['Throughput', `${result.requests_per_s} requests/s, ${result.matches_per_s} matches/s`])}
${row(['Error rate', String(result.error_rate)])}
${cpuRows(result).map(row).join('\n')}
${
  result.logins === undefined
    ? ''
    : [
        row([
          'dirac login',
          `${result.logins.completed} completed (${result.logins.completed_per_s}/s) of ${result.logins.started} started, ${result.logins.failed} failed; sign-in ${result.logins.sign_in_after_s} s after the start, polls every ${result.logins.poll_interval_s} s`,
        ]),
        row([
          'Polls answered authorization_pending',
          `${result.logins.authorization_pending} (the grant not yet given: expected, not errors)`,
        ]),
        ...result.logins.failures.map((failure) => row(['Login failure', failure])),
      ].join('\n')
}
</table>
<h2>Routes</h2>
<table>
${head(['Route', 'requests', 'requests/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'authorization_pending'])}
${Object.entries(result.routes)
  .map(([route, r]) =>
    row([
      route,
      String(r.requests),
      String(r.requests_per_s),
      String(r.p50_ms),
      String(r.p95_ms),
      String(r.p99_ms),
      String(r.max_ms),
      String(r.errors),
      r.authorization_pending === undefined ? '' : String(r.authorization_pending),
    ]),
  )
  .join('\n')}
</table>
<h2>Thresholds</h2>
<table>
${head(['Metric', 'Route', 'Bound', 'Value', 'Outcome'])}
${result.thresholds
  .map((t) =>
    row([
      t.metric,
      t.route ?? 'all',
      [t.max === null ? '' : `≤ ${t.max}`, t.min === null ? '' : `≥ ${t.min}`].join(' ').trim(),
      String(t.value),
      t.passed ? 'pass' : 'FAIL',
    ]),
  )
  .join('\n')}
</table>
${chartFigures(report.charts)}
<script type="application/json" id="gridbox-bench">${scriptJson(result)}</script>
${chartScripts('gridbox-bench-charts', report)}
</body>
</html>
`;
}

/**
 * The CPU figures, each named for what it counts: the process's (server and generator
 * thread), the generator thread's, and their difference, the server's; against a target
 * the server's CPU is unknown and said so.
 */
function cpuRows(result: BenchResult): string[][] {
  const ms = (value: number | null | undefined, what: string) =>
    value === null || value === undefined ? what : `${value} ms`;
  const unknown =
    result.target === null ? 'not measured' : 'unknown: the server runs elsewhere (--target)';
  const cpu = result.cpu;
  return [
    ...(cpu === undefined
      ? []
      : [
          ['CPU, bench process (process.cpuUsage)', `${cpu.process_ms} ms`],
          ['CPU, load generator thread (process.threadCpuUsage)', `${cpu.generator_ms} ms`],
          ['CPU, server (process − generator)', ms(cpu.server_ms, unknown)],
        ]),
    ['Server CPU per request', ms(result.cpu_ms_per_request, unknown)],
    ...(result.matches > 0 ? [['Server CPU per match', ms(result.cpu_ms_per_match, unknown)]] : []),
  ];
}

/** Writes bench.json and bench.html into `dir` (created if missing); returns their paths. */
export async function writeBenchReports(
  result: BenchResult,
  dir: string,
): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'bench.json');
  const html = join(dir, 'bench.html');
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(html, renderBenchHtml(result));
  return { json, html };
}
