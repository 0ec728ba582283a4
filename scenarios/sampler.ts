import type { RunReport } from '../reports/model.ts';

/** One line of the event log, parsed. */
export interface SimEvent {
  /** Clock milliseconds since the start of the run. */
  t: number;
  kind: string;
  [field: string]: string | number | boolean | null;
}

/** The job status each event of the log implies. */
export const STATUS_OF: Readonly<Record<string, string>> = {
  'job.submitted': 'Waiting',
  'job.rescheduled': 'Waiting',
  'job.matched': 'Matched',
  'job.running': 'Running',
  'job.stalled': 'Stalled',
  'job.done': 'Done',
  'job.failed': 'Failed',
  'job.killed': 'Killed',
};
/** Samples per gap at most: an idle week in virtual time must not become a million points. */
const MAX_SAMPLES_PER_GAP = 200;

/**
 * Turns the event log into the time series of the report: every `everyS` model seconds,
 * the run's jobs by status, pilots running per site, and cumulative transfers and faults.
 */
export class Sampler {
  readonly #everyS: number;
  readonly #speedup: number;
  readonly #jobStatus = new Map<number, string>();
  readonly #byStatus = new Map<string, number>();
  readonly #pilotSite = new Map<string, string>();
  readonly #bySite = new Map<string, number>();
  #transfers = 0;
  #failures = 0;
  #nextS = 0;
  readonly #samples: {
    t: number;
    status: Map<string, number>;
    sites: Map<string, number>;
    transfers: number;
    failures: number;
  }[] = [];

  constructor(everyS: number, speedup: number) {
    this.#everyS = everyS;
    this.#speedup = speedup;
  }

  observe(event: SimEvent): void {
    this.#sampleUntil((event.t * this.#speedup) / 1000);
    const status = STATUS_OF[event.kind];
    if (status !== undefined && typeof event.job === 'number') {
      const before = this.#jobStatus.get(event.job);
      if (before !== undefined) this.#byStatus.set(before, this.#byStatus.get(before)! - 1);
      this.#jobStatus.set(event.job, status);
      this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1);
    }
    if (event.kind === 'pilot.start' && typeof event.site === 'string') {
      this.#pilotSite.set(String(event.pilot), event.site);
      this.#bySite.set(event.site, (this.#bySite.get(event.site) ?? 0) + 1);
    }
    if (event.kind === 'pilot.end') {
      const site = this.#pilotSite.get(String(event.pilot));
      if (site !== undefined) this.#bySite.set(site, this.#bySite.get(site)! - 1);
    }
    if (event.kind.startsWith('transfer.')) this.#transfers++;
    if (event.kind.startsWith('fault.')) this.#failures++;
  }

  /** The series up to `endS` (model seconds), with a last sample there. */
  series(endS: number): RunReport['series'] {
    this.#sampleUntil(endS);
    // A run that ends on a period has a sample there already, taken before that instant's
    // events: the final state replaces it (two points at one instant draw a vertical step).
    const samples = [
      ...(this.#samples.at(-1)?.t === endS ? this.#samples.slice(0, -1) : this.#samples),
      this.#snapshot(endS),
    ];
    const statuses = [...new Set(samples.flatMap((s) => [...s.status.keys()]))].sort();
    const sites = [...new Set(samples.flatMap((s) => [...s.sites.keys()]))].sort();
    return {
      t_s: samples.map((s) => Math.round(s.t)),
      jobs_by_status: Object.fromEntries(
        statuses.map((name) => [name, samples.map((s) => s.status.get(name) ?? 0)]),
      ),
      pilots_by_site: Object.fromEntries(
        sites.map((name) => [name, samples.map((s) => s.sites.get(name) ?? 0)]),
      ),
      transfers: samples.map((s) => s.transfers),
      failures: samples.map((s) => s.failures),
    };
  }

  #sampleUntil(modelS: number): void {
    if (this.#nextS > modelS) return;
    const due = Math.floor((modelS - this.#nextS) / this.#everyS) + 1;
    for (let i = 0; i < Math.min(due, MAX_SAMPLES_PER_GAP); i++)
      this.#samples.push(this.#snapshot(this.#nextS + i * this.#everyS));
    this.#nextS += due * this.#everyS;
  }

  #snapshot(t: number) {
    return {
      t,
      status: new Map([...this.#byStatus].filter(([, n]) => n > 0)),
      sites: new Map([...this.#bySite].filter(([, n]) => n > 0)),
      transfers: this.#transfers,
      failures: this.#failures,
    };
  }
}
