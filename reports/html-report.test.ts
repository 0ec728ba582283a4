import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chartModel } from './chart-model.ts';
import { renderHtml, writeHtmlReport, writeJsonReport, writeReports } from './index.ts';
import type { RunReport } from './model.ts';
import { emptyReport, sampleReport } from './sample-report.testkit.ts';

// What the page says without running it; html-report.browser.test.ts opens it in Chromium.

/** The text of the <script> element with this id, as the HTML parser would end it. */
function scriptText(html: string, id: string): string {
  const start = html.indexOf(`<script type="application/json" id="${id}">`);
  expect(start).toBeGreaterThan(-1);
  const from = html.indexOf('>', start) + 1;
  return html.slice(from, html.toLowerCase().indexOf('</script', from));
}

const HOSTILE = `</script><script>window.pwned = 1</script><!-- <b>&amp;"'`;

describe('HTML report', () => {
  it('shows the verdict, the inputs and the event-log hash in the header', () => {
    const html = renderHtml(sampleReport());
    expect(html).toContain('<title>gridbox scenario site-ban-and-recover: FAILED</title>');
    for (const text of [
      '<span class="verdict">FAILED</span>',
      '<dt>Seed</dt><dd>42</dd>',
      '<dt>Target</dt><dd>the embedded box</dd>',
      '<dt>Clock</dt><dd>virtual</dd>',
      '<dt>Model time</dt><dd>3 h 0 min (10830 s)</dd>',
      '<dt>Wall time</dt><dd>12.5 s</dd>',
      `sha256 ${sampleReport().event_log.sha256}`,
    ]) {
      expect(html).toContain(text);
    }
    const passed = renderHtml({ ...sampleReport(), status: 'passed' });
    expect(passed).toContain('<header class="passed">');
  });

  it('has a canvas and a heading for each of the four plots', () => {
    const html = renderHtml(sampleReport());
    for (const [id, heading] of [
      ['chart-jobs', 'Jobs by status'],
      ['chart-pilots', 'Pilots running per site'],
      ['chart-transfers', 'Transfers and failures (cumulative)'],
      ['chart-faults', 'Injected faults'],
    ]) {
      expect(html).toContain(`<h2 id="${id}-title">${heading}</h2>`);
      expect(html).toContain(`<canvas id="${id}"`);
    }
  });

  it('escapes what the run reported in the tables', () => {
    const report = sampleReport();
    report.assertions[2]!.message = HOSTILE;
    report.steps[8]!.title = '<img src=x onerror=alert(1)>';
    const html = renderHtml(report);
    expect(html).toContain(
      '<td>&lt;/script&gt;&lt;script&gt;window.pwned = 1&lt;/script&gt;&lt;!-- &lt;b&gt;&amp;amp;&quot;&#39;</td>',
    );
    expect(html).toContain('<td>&lt;img src=x onerror=alert(1)&gt;</td>');
    expect(html).not.toContain('<img');
  });

  it('embeds the report and the chart data as JSON that no message can break out of', () => {
    const report = sampleReport();
    report.assertions[2]!.message = HOSTILE;
    report.faults[0]!.detail = HOSTILE;
    const html = renderHtml(report);
    // Four scripts: two JSON blocks, Chart.js and the page script; none closed early.
    expect(html.match(/<\/script/gi)).toHaveLength(4);
    expect(html).not.toContain('window.pwned = 1</script>');
    expect(JSON.parse(scriptText(html, 'gridbox-report'))).toEqual(report);
    expect(JSON.parse(scriptText(html, 'gridbox-charts'))).toEqual(chartModel(report));
  });

  it('works offline: Chart.js is inlined and nothing is fetched', () => {
    const html = renderHtml(sampleReport());
    expect(html).not.toMatch(/<(script|link|img)[^>]*\s(src|href)=/i);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none';`,
    );
    // Chart.js's UMD banner, and the global it defines.
    expect(html).toMatch(/\* Chart\.js v4\./);
    expect(html).toContain('document.body.dataset.charts');
  });

  it('renders a run that stopped before anything happened', () => {
    const html = renderHtml(emptyReport());
    expect(html).toContain('No faults were injected.');
    expect(html).toContain('<h2>Assertions (0 of 0 hold)</h2>\n<p class="note">None.</p>');
    expect(html).toContain('<dt>Model time</dt><dd>0 s</dd>');
    expect(html).toContain('<td>login refused: 401</td>');
    for (const id of ['chart-jobs', 'chart-pilots', 'chart-transfers', 'chart-faults']) {
      expect(html).toContain(`<canvas id="${id}"`);
    }
  });

  describe('files', () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it('writes index.html into the folder, creating it', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gridbox-html-'));
      const report = sampleReport();
      const file = await writeHtmlReport(report, join(dir, 'a', 'b'));
      expect(file).toBe(join(dir, 'a', 'b', 'index.html'));
      expect(await readFile(file, 'utf8')).toBe(renderHtml(report));
    });

    it.each<{ targets: { dir?: boolean; junit?: boolean }; files: string[] }>([
      { targets: {}, files: [] },
      { targets: { dir: true }, files: ['out/index.html', 'out/report.json'] },
      { targets: { junit: true }, files: ['junit.xml'] },
      {
        targets: { dir: true, junit: true },
        files: ['junit.xml', 'out/index.html', 'out/report.json'],
      },
    ])('writes only the reports asked for: $targets', async ({ targets, files }) => {
      dir = await mkdtemp(join(tmpdir(), 'gridbox-reports-'));
      const written = await writeReports(sampleReport(), {
        dir: targets.dir ? join(dir, 'out') : undefined,
        junit: targets.junit ? join(dir, 'junit.xml') : undefined,
      });
      const found = (await readdir(dir, { recursive: true })).filter((f) => f.includes('.')).sort();
      expect(found).toEqual(files);
      expect(
        Object.values(written)
          .map((p) => p.slice(dir!.length + 1))
          .sort(),
      ).toEqual(files);
    });
  });
});

describe('JSON report', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('writes the whole report, indented, keys in the order built', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gridbox-json-'));
    const report: RunReport = sampleReport();
    const file = await writeJsonReport(report, dir);
    expect(file).toBe(join(dir, 'report.json'));
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toEqual(report);
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(report));
    expect(text.split('\n').slice(0, 3)).toEqual([
      '{',
      '  "kind": "scenario",',
      '  "name": "site-ban-and-recover",',
    ]);
    expect(text.endsWith('}\n')).toBe(true);
  });
});
