import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from './chromium.testkit.ts';
import type { BenchResult } from './bench-model.ts';
import { renderBenchHtml } from './bench-report.ts';
import { renderSimHtml } from './sim-report.ts';
import { targetReport } from './sim-report.testkit.ts';

/**
 * The pages drawn by chart-page.ts (sim and bench reports) in headless Chromium, as
 * html-report.browser.test.ts does for the scenario report; skipped without TEST_CHROMIUM.
 */

/** Per canvas of the page: whether Chart.js drew a chart there, and its points per dataset. */
const PROBE = `[...document.querySelectorAll('canvas')].map((canvas) => {
  const chart = Chart.getChart(canvas);
  return { id: canvas.id, points: chart === undefined ? null : chart.data.datasets.map((d) => d.data.length) };
})`;

const benchResult: BenchResult = {
  benchmark: 'gridbox-bench',
  profile: 'matching',
  generator: 'autocannon',
  target: null,
  backlog_jobs: 10,
  seed_s: 1,
  warmup_s: 0,
  duration_s: 2,
  connections: 1,
  rate_per_s: null,
  requests: 4,
  requests_per_s: 2,
  matches: 2,
  matches_per_s: 1,
  error_rate: 0,
  cpu_ms_per_request: null,
  routes: {
    'POST /api/jobs/match': {
      requests: 4,
      requests_per_s: 2,
      p50_ms: 1,
      p95_ms: 2,
      p99_ms: 2,
      max_ms: 2,
      statuses: { '200': 4 },
      errors: 0,
      error_rate: 0,
      histogram: { bounds_ms: [1, 2], counts: [2, 2, 0] },
    },
  },
  timeline: [
    { second: 1, requests: 2, matches: 1 },
    { second: 2, requests: 2, matches: 1 },
  ],
  thresholds: [],
  passed: true,
};

describe.skipIf(chromiumPath === undefined)(
  'the chart pages in headless Chromium (skipped without TEST_CHROMIUM; .ci/run sets it)',
  () => {
    let dir: string;
    let browser: Browser;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'gridbox-chart-page-'));
      browser = await launchChromium();
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    const withDb = () => {
      const report = targetReport();
      report.series.db_bytes = [1e6, 2e6, 3e6];
      return report;
    };

    it.each([
      [
        'sim',
        renderSimHtml(withDb()),
        [
          ['throughput', [3]],
          ['queues', [3, 3, 3, 3, 3, 3]],
          ['matcher', [3, 3, 3]],
          ['db-size', [3]],
          ['memory', [3, 3]],
          ['wall-per-job', [3]],
          ['wall-per-interval', [3]],
        ],
      ],
      [
        'bench',
        renderBenchHtml(benchResult),
        [
          ['throughput', [2, 2]],
          ['percentiles', [4]],
          ['histogram', [3]],
        ],
      ],
    ])(
      'draws every plot of the %s page without errors or fetches',
      async (name, html, expected) => {
        const file = join(dir, `${name}.html`);
        await writeFile(file, html);
        const url = pathToFileURL(file).href;
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        try {
          const page = await context.newPage();
          const errors: string[] = [];
          const requests: string[] = [];
          page.on('console', (m) => {
            if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
          });
          page.on('pageerror', (e) => errors.push(e.message));
          page.on('request', (r) => requests.push(r.url()));
          await page.goto(url);
          const probes = (await page.evaluate(PROBE)) as { id: string; points: number[] | null }[];
          expect(probes.map((p) => [p.id, p.points])).toEqual(expected);
          expect(errors).toEqual([]);
          expect(requests).toEqual([url]);
        } finally {
          await context.close();
        }
      },
    );
  },
);
