import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSimHtml, simCharts, writeSimReport } from './sim-report.ts';
import { targetReport } from './sim-report.testkit.ts';

describe('the sim report', () => {
  it('plots minutes of a short run, and no DB size when the box could not say', () => {
    const charts = simCharts(targetReport());
    expect(charts.map((c) => c.id)).toEqual([
      'throughput',
      'queues',
      'matcher',
      'memory',
      'wall-per-job',
      'wall-per-interval',
    ]);
    for (const chart of charts) {
      expect(chart.labels).toEqual(['10', '20', '25']);
      expect(chart.xTitle).toBe('simulated time (min)');
    }
    const withDb = { ...targetReport() };
    withDb.series = { ...withDb.series, db_bytes: [1_000_000, 2_500_000, 3_000_000] };
    const db = simCharts(withDb).find((c) => c.id === 'db-size')!;
    expect(db.series).toEqual([{ label: 'DB size', data: [1, 2.5, 3] }]);
    const memory = charts.find((c) => c.id === 'memory')!;
    expect(memory.series).toEqual([
      { label: 'resident (RSS)', data: [200, 250, 240] },
      { label: 'JavaScript heap in use', data: [80, 120.5, 90] },
    ]);
  });

  it('writes sim.json and a page that embeds it, escaped, and fetches nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gridbox-sim-report-'));
    try {
      const written = await writeSimReport(targetReport(), join(dir, 'report'));
      expect(written).toEqual({
        json: join(dir, 'report', 'sim.json'),
        html: join(dir, 'report', 'index.html'),
      });
      expect(JSON.parse(await readFile(written.json, 'utf8'))).toEqual(targetReport());
      const html = await readFile(written.html, 'utf8');
      expect(html).toBe(renderSimHtml(targetReport()));
      expect(html).not.toContain('<script>alert(1)');
      expect(html).toContain('not known (a --target)');
      expect(html).toContain('250.0 MB resident at most');
      expect(html).not.toContain('id="db-size"');
      expect(html).toContain('"data":[null,200,400]');
      expect(html).not.toMatch(/<script[^>]+src=/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
