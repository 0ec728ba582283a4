import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSimHtml, simCharts, writeSimReport } from './sim-report.ts';
import { ownBoxReport, targetReport } from './sim-report.testkit.ts';

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
    const db = simCharts(ownBoxReport()).find((c) => c.id === 'db-size')!;
    expect(db.series).toEqual([{ label: 'DB size', data: [1, 2.5, 3] }]);
    const memory = charts.find((c) => c.id === 'memory')!;
    expect(memory.series).toEqual([
      { label: 'resident (RSS)', data: [200, 250, 240] },
      { label: 'JavaScript heap in use', data: [80, 120.5, 90] },
    ]);
  });

  it("draws the database's part of each job's cost, and lists where its time went", () => {
    const perJob = simCharts(ownBoxReport()).find((c) => c.id === 'wall-per-job')!;
    expect(perJob.series).toEqual([
      { label: 'wall ms per job', data: [null, 200, 400] },
      { label: "of which the database's statements", data: [null, 50, 100] },
    ]);
    const html = renderSimHtml(ownBoxReport());
    expect(html).toContain(
      '320 statements in 0.4 s, 25.0 % of the wall time; 80 statements and 100 ms per job',
    );
    expect(html).toContain("<h2>Where the database's time went</h2>");
    expect(html).toContain(
      '<tr><td><code>update &quot;Jobs&quot; set &quot;Status&quot; = ? where &quot;JobID&quot; in (…) and &quot;Status&quot; &lt;&gt; ?</code></td><td class="n">8</td><td class="n">2</td><td class="n">31250</td><td class="n">0.25</td></tr>',
    );
    expect(html).toContain('<td><code>(other statements)</code></td>');
    // A --target's database is not the box's to time.
    const target = renderSimHtml(targetReport());
    expect(target).toContain('not measured (a --target)');
    expect(target).not.toContain("Where the database's time went");
    expect(simCharts(targetReport()).find((c) => c.id === 'wall-per-job')!.series).toHaveLength(1);
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
