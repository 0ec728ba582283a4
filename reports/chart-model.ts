import type { RunReport } from './model.ts';

/**
 * What the HTML page's plots draw, derived from a report on the server side so that the
 * choices (time unit, which sites get their own curve, colours) are made and tested here and
 * the page's script only hands them to Chart.js.
 */
export interface ChartModel {
  /** Model time on the x axes: hours for runs longer than two hours, else minutes. */
  unit: 'h' | 'min';
  /** Sample times in `unit`. */
  x: number[];
  /** Right end of every time axis, in `unit`: the end of the run. */
  xMax: number;
  jobs: Curve[];
  pilots: Curve[];
  cumulative: Curve[];
  faults: FaultBar[];
}

export interface Curve {
  label: string;
  color: string;
  values: number[];
}

export interface FaultBar {
  kind: string;
  target: string;
  detail: string;
  /** In `unit`. */
  start: number;
  /** In `unit`; the end of the run when the fault was never lifted. */
  end: number;
  lifted: boolean;
  color: string;
}

/** Sites drawn one by one; the rest are summed into "other". */
export const TOP_SITES = 8;

const LONG_RUN_S = 2 * 3600;

/** DIRAC's job statuses in the order a job moves through them, with a colour each. */
const STATUS_COLORS: Record<string, string> = {
  Submitting: '#c7c7c7',
  Received: '#9e9e9e',
  Checking: '#b39ddb',
  Staging: '#80deea',
  Waiting: '#ffd54f',
  Matched: '#ffb74d',
  Rescheduled: '#f48fb1',
  Running: '#42a5f5',
  Stalled: '#ff7043',
  Completing: '#4db6ac',
  Completed: '#26a69a',
  Done: '#66bb6a',
  Failed: '#e53935',
  Killed: '#6d4c41',
  Deleted: '#455a64',
};

/** Colour-blind-safe qualitative palette (Okabe–Ito, then two greys for "other" and spares). */
const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
  '#999999',
  '#666666',
];

export function timeUnit(modelS: number): { unit: 'h' | 'min'; perUnitS: number } {
  return modelS > LONG_RUN_S ? { unit: 'h', perUnitS: 3600 } : { unit: 'min', perUnitS: 60 };
}

export function chartModel(report: RunReport): ChartModel {
  const { unit, perUnitS } = timeUnit(report.model_s);
  const inUnit = (s: number) => s / perUnitS;
  const statusOrder = Object.keys(STATUS_COLORS);
  const rank = (s: string) => {
    const i = statusOrder.indexOf(s);
    return i === -1 ? statusOrder.length : i;
  };
  let spare = 0;
  const jobs = Object.entries(report.series.jobs_by_status)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([label, values]) => ({
      label,
      color: STATUS_COLORS[label] ?? PALETTE[spare++ % PALETTE.length]!,
      values,
    }));

  const faultKinds = [...new Set(report.faults.map((f) => f.kind))];
  return {
    unit,
    x: report.series.t_s.map(inUnit),
    xMax: inUnit(report.model_s),
    jobs,
    pilots: pilotCurves(report.series.pilots_by_site),
    cumulative: [
      { label: 'transfers', color: PALETTE[0]!, values: report.series.transfers },
      { label: 'failures', color: PALETTE[5]!, values: report.series.failures },
    ],
    faults: report.faults.map((f) => ({
      kind: f.kind,
      target: f.target,
      detail: f.detail,
      start: inUnit(f.start_s),
      end: inUnit(f.end_s ?? report.model_s),
      lifted: f.end_s !== null,
      color: PALETTE[faultKinds.indexOf(f.kind) % PALETTE.length]!,
    })),
  };
}

/** The busiest sites (most pilot-samples) by name, then one "other" curve for the rest. */
function pilotCurves(bySite: Record<string, number[]>): Curve[] {
  const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const sites = Object.entries(bySite).sort(
    ([a, va], [b, vb]) => total(vb) - total(va) || a.localeCompare(b),
  );
  const top = sites.slice(0, TOP_SITES);
  const rest = sites.slice(TOP_SITES);
  const curves = top.map(([label, values], i) => ({ label, color: PALETTE[i]!, values }));
  if (rest.length > 0) {
    const values = rest[0]![1].map((_, i) => total(rest.map(([, v]) => v[i] ?? 0)));
    curves.push({ label: `other (${rest.length} sites)`, color: PALETTE[TOP_SITES]!, values });
  }
  return curves;
}
