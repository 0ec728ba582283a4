import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from './chromium.testkit.ts';
import { writeHtmlReport } from './html-report.ts';
import { emptyReport, sampleReport } from './sample-report.testkit.ts';

/**
 * The HTML report in a real headless browser: Debian's `chromium` driven by playwright-core
 * (which downloads no browser of its own). `.ci/run` installs the package and points
 * TEST_CHROMIUM at its executable; without the variable the suite is skipped.
 */

const CHART_IDS = ['chart-jobs', 'chart-pilots', 'chart-transfers', 'chart-faults'];

/** A message that would run a script if the page embedded or displayed it unescaped. */
const HOSTILE = `</script><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">`;

/**
 * Runs in the page (as a string, so that no test-runner transform reaches the browser): for
 * each chart, the points Chart.js holds per dataset, the elements it laid out, and how many
 * pixels inside the plot area are coloured (grid lines, axes and text are grey or black, so
 * only drawn data counts).
 */
const PROBE = `(${JSON.stringify(CHART_IDS)}).map((id) => {
  const canvas = document.getElementById(id);
  const chart = Chart.getChart(canvas);
  if (chart === undefined) return { id, chart: false };
  const ratio = chart.currentDevicePixelRatio;
  const a = chart.chartArea;
  const x = Math.ceil(a.left * ratio), y = Math.ceil(a.top * ratio);
  const w = Math.floor((a.right - a.left) * ratio), h = Math.floor((a.bottom - a.top) * ratio);
  const px = canvas.getContext('2d').getImageData(x, y, w, h).data;
  let coloured = 0;
  for (let i = 0; i < px.length; i += 4) {
    const r = px[i], g = px[i + 1], b = px[i + 2];
    if (px[i + 3] > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 48) coloured++;
  }
  return {
    id,
    chart: true,
    points: chart.data.datasets.map((d) => d.data.length),
    elements: chart.data.datasets.map((_, i) => chart.getDatasetMeta(i).data.length),
    coloured,
  };
})`;

interface Probe {
  id: string;
  chart: boolean;
  points?: number[];
  elements?: number[];
  coloured?: number;
}

describe.skipIf(chromiumPath === undefined)(
  'the HTML report in headless Chromium (skipped without TEST_CHROMIUM; .ci/run sets it)',
  () => {
    let dir: string;
    let url: string;
    let emptyUrl: string;
    let browser: Browser;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'gridbox-html-browser-'));
      const report = sampleReport();
      report.assertions[2]!.message = HOSTILE;
      report.faults[1]!.detail = HOSTILE;
      url = pathToFileURL(await writeHtmlReport(report, join(dir, 'sample'))).href;
      emptyUrl = pathToFileURL(await writeHtmlReport(emptyReport(), join(dir, 'empty'))).href;
      browser = await launchChromium();
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    /** Opens the report, recording console errors, uncaught exceptions and every request. */
    async function open(javaScriptEnabled: boolean, at = url) {
      const context = await browser.newContext({
        javaScriptEnabled,
        viewport: { width: 1280, height: 900 },
      });
      const page: Page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(at);
      return { context, page, errors, requests };
    }

    it('draws all four plots without errors and fetches nothing', async () => {
      const { context, page, errors, requests } = await open(true);
      try {
        // The page's scripts are inline and synchronous: by the load event they have run.
        expect(errors).toEqual([]);
        await page.waitForSelector('body[data-charts="ready"]', { timeout: 20_000 });
        const probes = (await page.evaluate(PROBE)) as Probe[];
        for (const p of probes) {
          expect(p, `${p.id} has a chart`).toMatchObject({ chart: true });
          expect(p.points!.length, `${p.id} has datasets`).toBeGreaterThan(0);
          expect(
            p.points!.every((n) => n > 0),
            `${p.id}: every dataset has points`,
          ).toBe(true);
          expect(p.elements, `${p.id}: every point laid out`).toEqual(p.points);
          expect(p.coloured!, `${p.id}: coloured pixels in the plot area`).toBeGreaterThan(200);
        }
        expect(probes.map((p) => p.points)).toEqual([
          [20, 20, 20, 20, 20],
          [20, 20, 20],
          [20, 20],
          [2],
        ]);
        expect(errors).toEqual([]);
        expect(requests).toEqual([url]);
        expect(await page.evaluate('window.pwned')).toBeUndefined();
        expect(await page.locator('#assertions tr.failed td').nth(3).textContent()).toBe(HOSTILE);
      } finally {
        await context.close();
      }
    });

    it('shows its tables with scripts off', async () => {
      const { context, page, errors } = await open(false);
      try {
        expect(await page.locator('#assertions tbody tr').count()).toBe(4);
        expect(await page.locator('#steps tbody tr').count()).toBe(9);
        expect(await page.locator('noscript').count()).toBe(1);
        expect(await page.locator('h1').textContent()).toBe('Scenario site-ban-and-recover FAILED');
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('opens a run that stopped before its first sample without errors', async () => {
      const { context, page, errors } = await open(true, emptyUrl);
      try {
        expect(errors).toEqual([]);
        await page.waitForSelector('body[data-charts="ready"]', { timeout: 20_000 });
        const probes = (await page.evaluate(PROBE)) as Probe[];
        expect(probes.map((p) => [p.id, p.chart])).toEqual(CHART_IDS.map((id) => [id, true]));
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);
