import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chartModel, timeUnit } from './chart-model.ts';
import type { RunReport } from './model.ts';

/**
 * The run as one self-contained HTML page that works offline: Chart.js and the page's own
 * script are inlined, the report is embedded as JSON, and a Content-Security-Policy forbids
 * fetching anything. The tables are plain HTML, readable with scripts off; the plots need
 * JavaScript.
 */
export function renderHtml(report: RunReport): string {
  const passed = report.status === 'passed';
  const verdict = passed ? 'PASSED' : 'FAILED';
  const title = `gridbox scenario ${report.name}: ${verdict}`;
  return `${pageHead(title, CSS)}
<body>
<header class="${passed ? 'passed' : 'failed'}">
<h1>Scenario <code>${esc(report.name)}</code> <span class="verdict">${verdict}</span></h1>
<p>${esc(report.description)}</p>
${definitions([
  ['Seed', String(report.inputs.seed)],
  ['Target', report.inputs.target ?? 'the embedded box'],
  ['Clock', report.inputs.clock],
  ['Transport', report.inputs.transport],
  ['Fixtures', report.inputs.fixtures],
  ['Started', report.started_at],
  ['Wall time', `${report.wall_s.toFixed(1)} s`],
  ['Model time', modelDuration(report.model_s)],
  ['Event log', `${report.event_log.total} events, sha256 ${report.event_log.sha256}`],
  ['gridbox', report.inputs.gridbox_version],
])}
</header>
<main>
<section id="plots">
<noscript><p class="note">The plots need JavaScript; the tables below do not.</p></noscript>
${chartFigure('chart-jobs', 'Jobs by status')}
${chartFigure('chart-pilots', 'Pilots running per site')}
${chartFigure('chart-transfers', 'Transfers and failures (cumulative)')}
${chartFigure('chart-faults', 'Injected faults')}
${report.faults.length === 0 ? '<p class="note">No faults were injected.</p>' : ''}
</section>
<section id="assertions">
<h2>Assertions (${report.assertions.filter((a) => a.passed).length} of ${report.assertions.length} hold)</h2>
${table(
  ['', 'Assertion', 'Step', 'Found', 'Wall'],
  report.assertions.map((a) => ({
    cls: a.passed ? 'passed' : 'failed',
    cells: [a.passed ? '✔ pass' : '✘ fail', a.name, a.step, a.message, `${a.wall_ms} ms`],
  })),
)}
</section>
<section id="steps">
<h2>Steps</h2>
${table(
  ['#', 'Step', 'Kind', 'Status', 'Model time', 'Wall', 'Note'],
  report.steps.map((s) => ({
    cls: s.status,
    cells: [
      String(s.index),
      s.title,
      s.kind,
      s.status,
      `${modelTime(s.model_start_s, report.model_s)} → ${modelTime(s.model_end_s, report.model_s)}`,
      `${s.wall_ms} ms`,
      s.message ?? '',
    ],
  })),
)}
</section>
<section id="faults">
<h2>Faults</h2>
${table(
  ['Kind', 'Target', 'Detail', 'From', 'To'],
  report.faults.map((f) => ({
    cells: [
      f.kind,
      f.target,
      f.detail,
      modelTime(f.start_s, report.model_s),
      f.end_s === null ? 'never lifted' : modelTime(f.end_s, report.model_s),
    ],
  })),
)}
</section>
<section id="summary">
<h2>Summary</h2>
${definitions([
  ['Jobs submitted', String(report.summary.jobs_submitted)],
  ['Pilots', String(report.summary.pilots)],
  ['Transfers', `${report.summary.transfers.count} (${bytes(report.summary.transfers.bytes)})`],
])}
<h3>Jobs by final status</h3>
${countTable('Status', report.summary.jobs_by_status)}
</section>
<section id="events">
<h2>Events by kind</h2>
${countTable('Kind', report.event_log.by_kind)}
</section>
</main>
<script type="application/json" id="gridbox-report">${scriptJson(report)}</script>
<script type="application/json" id="gridbox-charts">${scriptJson(chartModel(report))}</script>
<script>${inlineScript(chartJsSource(), 'Chart.js')}</script>
<script>${inlineScript(readFileSync(new URL('./html-report.client.js', import.meta.url), 'utf8'), 'the page script')}</script>
</body>
</html>
`;
}

/** Writes {@link renderHtml} as `<dir>/index.html` (creating `dir`). Returns the path. */
export async function writeHtmlReport(report: RunReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'index.html');
  await writeFile(file, renderHtml(report));
  return file;
}

/** Chart.js's UMD build (it sets the global `Chart`), read from node_modules on each render. */
export function chartJsSource(): string {
  // The package exports only its ESM and CJS entry points, so find the UMD file beside them.
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
}

/**
 * A script's text ends at the first `</script`, and `<!--` inside it changes how the HTML
 * parser looks for that end; code cannot be escaped without changing its meaning, so refuse.
 */
export function inlineScript(source: string, what: string): string {
  if (/<\/script|<!--/i.test(source)) {
    throw new Error(`${what} contains "</script" or "<!--" and cannot be inlined`);
  }
  return source;
}

/**
 * The start of a self-contained report page up to </head>: its policy allows inline scripts
 * and styles only, so the page fetches nothing.
 */
export function pageHead(title: string, css: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${css}</style>
</head>`;
}

/** JSON inside a <script> element: with `<`, `>` and `&` escaped, no string can close it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function chartFigure(id: string, heading: string): string {
  return `<figure><h2 id="${id}-title">${esc(heading)}</h2><div class="chart"><canvas id="${id}" role="img" aria-labelledby="${id}-title"></canvas></div></figure>`;
}

function definitions(rows: [string, string][]): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function table(
  headers: string[],
  rows: { cls?: string; cells: string[] }[],
  tableClass?: string,
): string {
  if (rows.length === 0) return '<p class="note">None.</p>';
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr${r.cls === undefined ? '' : ` class="${esc(r.cls)}"`}>${r.cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table${tableClass === undefined ? '' : ` class="${tableClass}"`}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function countTable(label: string, counts: Record<string, number>): string {
  const rows = Object.entries(counts).map(([k, n]) => ({ cells: [k, String(n)] }));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return table(
    [label, 'Count'],
    [...rows, { cls: 'total', cells: ['total', String(total)] }],
    'counts',
  );
}

/** A model instant in the run's display unit (hours for long runs, minutes otherwise). */
function modelTime(s: number, runS: number): string {
  const { unit, perUnitS } = timeUnit(runS);
  return `${Number((s / perUnitS).toFixed(2))} ${unit}`;
}

function modelDuration(s: number): string {
  const h = Math.floor(s / 3600);
  const min = Math.floor((s % 3600) / 60);
  const rest = Number((s % 60).toFixed(1));
  if (h === 0 && min === 0) return `${rest} s`;
  const parts = h > 0 ? [`${h} h`, `${min} min`] : [`${min} min`, `${rest} s`];
  return `${parts.join(' ')} (${s} s)`;
}

function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
header { padding: 1.25rem 2rem; border-bottom: 4px solid var(--line); background: var(--bg); }
header.passed { border-color: var(--pass); }
header.failed { border-color: var(--fail); }
h1 { margin: 0 0 .25rem; font-size: 1.5rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
.verdict { font-size: .9rem; padding: .15rem .6rem; border-radius: 1rem; vertical-align: middle; color: #fff; }
.passed .verdict { background: var(--pass); }
.failed .verdict { background: var(--fail); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .75rem 0 0; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
main { padding: 0 2rem 2rem; max-width: 1200px; }
#plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 0 2rem; }
#plots .note { grid-column: 1 / -1; }
figure { margin: 0; }
.chart { position: relative; height: 300px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td { overflow-wrap: anywhere; }
tr.failed td { background: var(--fail-bg); }
#assertions tr.failed td:first-child { color: var(--fail); font-weight: 600; }
#assertions tr.passed td:first-child { color: var(--pass); }
table.counts { width: auto; min-width: 24rem; }
table.counts td:last-child { text-align: right; }
tr.skipped td { color: var(--muted); }
tr.total td { font-weight: 600; }
.note { color: var(--muted); }
`;
