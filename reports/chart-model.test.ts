import { describe, expect, it } from 'vitest';
import { TOP_SITES, chartModel } from './chart-model.ts';
import type { RunReport } from './model.ts';
import { sampleReport } from './sample-report.testkit.ts';

describe('chart model', () => {
  it.each([
    { model_s: 90, unit: 'min', xMax: 1.5 },
    { model_s: 7200, unit: 'min', xMax: 120 },
    { model_s: 7200 + 36, unit: 'h', xMax: 2.01 },
    { model_s: 10830, unit: 'h', xMax: 3.0083 },
  ])('shows a run of $model_s s of model time in $unit', ({ model_s, unit, xMax }) => {
    const report: RunReport = { ...sampleReport(), model_s };
    const model = chartModel(report);
    expect(model.unit).toBe(unit);
    expect(model.xMax).toBeCloseTo(xMax, 3);
    expect(model.x[1]).toBeCloseTo(570 / (unit === 'h' ? 3600 : 60), 6);
  });

  it('draws job statuses in the order jobs move through them', () => {
    const report = sampleReport();
    const { Done, Running, Received, Waiting, Matched } = report.series.jobs_by_status;
    report.series.jobs_by_status = {
      Done: Done!,
      Running: Running!,
      Custom: Done!,
      Received: Received!,
      Waiting: Waiting!,
      Matched: Matched!,
    };
    const labels = chartModel(report).jobs.map((c) => c.label);
    expect(labels).toEqual(['Received', 'Waiting', 'Matched', 'Running', 'Done', 'Custom']);
  });

  it(`draws the ${TOP_SITES} busiest sites and sums the rest into "other"`, () => {
    const report = sampleReport();
    const bySite: Record<string, number[]> = {};
    for (let i = 0; i < TOP_SITES + 3; i++) bySite[`SITE.${i}.org`] = [i, i + 1, 2 * i];
    report.series.pilots_by_site = bySite;
    const pilots = chartModel(report).pilots;
    expect(pilots.map((c) => c.label)).toEqual([
      ...Array.from({ length: TOP_SITES }, (_, k) => `SITE.${TOP_SITES + 2 - k}.org`),
      'other (3 sites)',
    ]);
    expect(pilots.at(-1)!.values).toEqual([0 + 1 + 2, 1 + 2 + 3, 0 + 2 + 4]);
    expect(new Set(pilots.map((c) => c.color)).size).toBe(pilots.length);
  });

  it('keeps few sites as they are', () => {
    expect(chartModel(sampleReport()).pilots.map((c) => c.label)).toEqual([
      'LCG.IN2P3.fr',
      'LCG.RAL.uk',
      'LCG.CERN.ch',
    ]);
  });

  it('runs a fault that was never lifted to the end of the run', () => {
    const faults = chartModel(sampleReport()).faults;
    expect(faults).toEqual([
      expect.objectContaining({ kind: 'site ban', start: 0.95, end: 8550 / 3600, lifted: true }),
      expect.objectContaining({ kind: 'CE down', start: 1.9, end: 10830 / 3600, lifted: false }),
    ]);
    expect(faults[0]!.color).not.toBe(faults[1]!.color);
  });
});
