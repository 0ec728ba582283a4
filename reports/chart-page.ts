import { chartJsSource, esc, inlineScript, scriptJson } from './html-report.ts';

/** One line of a plot; null leaves a gap. */
export interface ChartSeries {
  label: string;
  data: (number | null)[];
}

/** One plot of a page: what Chart.js draws, and nothing it must compute. */
export interface ChartSpec {
  id: string;
  title: string;
  kind: 'line' | 'bar';
  labels: string[];
  series: ChartSeries[];
  yTitle: string;
  /** Title of the x axis; none when the labels say it. */
  xTitle?: string;
}

/** Draws the embedded charts; runs in the page, with Chart.js inlined before it. */
const PAGE_SCRIPT = `
const model = JSON.parse(document.getElementById(document.currentScript.dataset.model).textContent);
for (const chart of model.charts) {
  const x = chart.xTitle === undefined ? {} : { x: { title: { display: true, text: chart.xTitle } } };
  new Chart(document.getElementById(chart.id), {
    type: chart.kind,
    data: { labels: chart.labels, datasets: chart.series.map((s) => ({ label: s.label, data: s.data, pointRadius: chart.labels.length > 60 ? 0 : 3 })) },
    options: { animation: false, maintainAspectRatio: false, scales: { ...x, y: { beginAtZero: true, title: { display: true, text: chart.yTitle } } } },
  });
}
`;

/** A figure with a heading and a canvas per chart, in order. */
export function chartFigures(charts: readonly ChartSpec[]): string {
  return charts
    .map(
      (chart) =>
        `<figure><h2>${esc(chart.title)}</h2><div class="chart"><canvas id="${esc(chart.id)}" role="img" aria-label="${esc(chart.title)}"></canvas></div></figure>`,
    )
    .join('\n');
}

/**
 * The scripts that draw `charts` into the canvases of {@link chartFigures}: their model as
 * JSON in a script element with id `modelId` (as `{"charts": [...]}`), Chart.js, then the
 * page script. Inline only, so the page works offline and under its CSP.
 */
export function chartScripts(modelId: string, model: { charts: readonly ChartSpec[] }): string {
  return `<script type="application/json" id="${esc(modelId)}">${scriptJson(model)}</script>
<script>${inlineScript(chartJsSource(), 'Chart.js')}</script>
<script data-model="${esc(modelId)}">${inlineScript(PAGE_SCRIPT, 'the page script')}</script>`;
}
