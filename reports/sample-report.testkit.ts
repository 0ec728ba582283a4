import type { RunReport } from './model.ts';

// A small but realistic run report for the writers' tests: three hours of model time sampled
// 20 times, five job statuses, three sites, two faults (one never lifted) and one assertion
// that does not hold. Written by hand so that the writers are tested apart from the runner.

const SAMPLES = 20;
const STEP_S = 570;
const t_s = Array.from({ length: SAMPLES }, (_, i) => i * STEP_S);

/** 200 jobs flowing Received → Waiting → Matched → Running → Done, one curve per status. */
function jobsByStatus(): Record<string, number[]> {
  const statuses = ['Received', 'Waiting', 'Matched', 'Running', 'Done'] as const;
  const out: Record<string, number[]> = Object.fromEntries(statuses.map((s) => [s, []]));
  for (let i = 0; i < SAMPLES; i++) {
    const done = Math.min(200, Math.max(0, (i - 4) * 14));
    const running = Math.min(200 - done, Math.max(0, i * 12 - done));
    const matched = Math.min(200 - done - running, i > 0 && i < 17 ? 6 : 0);
    const received = Math.max(0, Math.min(200 - done - running - matched, 200 - i * 25));
    const waiting = 200 - done - running - matched - received;
    const row = [received, waiting, matched, running, done];
    statuses.forEach((s, k) => out[s]!.push(row[k]!));
  }
  return out;
}

/** Cumulative counts that only grow. */
function cumulative(perSample: (i: number) => number): number[] {
  let total = 0;
  return t_s.map((_, i) => (total += perSample(i)));
}

export function sampleReport(): RunReport {
  const jobs_by_status = jobsByStatus();
  const transfers = cumulative((i) => (i === 0 ? 0 : 27 + (i % 4)));
  return {
    kind: 'scenario',
    name: 'site-ban-and-recover',
    description: 'A site is banned mid-run; its jobs are rescheduled elsewhere and finish.',
    status: 'failed',
    inputs: {
      seed: 42,
      fixtures: 'small',
      target: null,
      clock: 'virtual',
      transport: 'in-process',
      gridbox_version: '0.1.0',
    },
    started_at: '2026-11-29T19:30:00.000Z',
    wall_s: 12.5,
    model_s: t_s[SAMPLES - 1]!,
    event_log: {
      sha256: '9f2c4e1d7a3b6c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70',
      total: 1843,
      by_kind: {
        'job.submitted': 200,
        'job.status': 1029,
        'pilot.started': 36,
        'pilot.finished': 30,
        'transfer.done': 543,
        'inject.begin': 2,
        'inject.end': 1,
        'site.banned': 1,
        'site.allowed': 1,
      },
    },
    steps: [
      step(0, 'log in as alice (lhcb_user)', 'login', 0, 0, 120),
      step(1, 'submit 200 parametric jobs', 'submit', 0, 0, 2300),
      step(2, 'start the simulated grid', 'grid.start', 0, 0, 40),
      step(3, 'ban LCG.CERN.ch', 'fault', 3420, 3420, 15),
      step(4, 'advance until 150 jobs are Done', 'wait', 3420, 8550, 6100),
      step(5, 'allow LCG.CERN.ch again', 'fault', 8550, 8550, 12),
      step(6, 'advance until every job is terminal', 'wait', 8550, 10830, 3200),
      {
        ...step(7, 'check the outcome', 'assert', 10830, 10830, 700),
        status: 'failed',
        message: '1 of 4 assertions failed',
      },
      {
        ...step(8, 'download the outputs', 'download', 10830, 10830, 0),
        status: 'skipped',
        message: 'an earlier step failed',
      },
    ],
    assertions: [
      {
        name: 'every submitted job reached a terminal state',
        step: 'check the outcome',
        passed: true,
        message: '200 of 200 jobs are Done',
        wall_ms: 210,
      },
      {
        name: 'no job was matched twice',
        step: 'check the outcome',
        passed: true,
        message: '200 matches over 200 jobs in the event log',
        wall_ms: 180,
      },
      {
        name: 'no job ran at the banned site while it was banned',
        step: 'check the outcome',
        passed: false,
        message:
          'job 1017 was matched at LCG.CERN.ch at t=4560 s, while the site was banned ' +
          '(3420 s to 8550 s); expected "Banned" <&> to hold — Zürich',
        wall_ms: 150,
      },
      {
        name: 'pilots are accounted for',
        step: 'check the outcome',
        passed: true,
        message: '36 pilots started, 30 finished, 6 still running',
        wall_ms: 160,
      },
    ],
    series: {
      t_s,
      jobs_by_status,
      pilots_by_site: {
        'LCG.CERN.ch': t_s.map((t) =>
          t >= 3420 && t < 8550 ? 0 : Math.min(12, Math.floor(t / 400)),
        ),
        'LCG.IN2P3.fr': t_s.map((t) => Math.min(8, Math.floor(t / 600))),
        'LCG.RAL.uk': t_s.map((t, i) => (t === 0 ? 0 : 4 + (i % 3))),
      },
      transfers,
      failures: cumulative((i) => (i === 6 || i === 7 || i === 12 ? 1 : 0)),
    },
    faults: [
      {
        kind: 'site ban',
        target: 'LCG.CERN.ch',
        detail: 'banned by the scenario',
        start_s: 3420,
        end_s: 8550,
      },
      {
        kind: 'CE down',
        target: 'ce01.in2p3.fr',
        detail: 'refuses pilot submissions',
        start_s: 6840,
        end_s: null,
      },
    ],
    summary: {
      jobs_submitted: 200,
      jobs_by_status: Object.fromEntries(
        Object.entries(jobs_by_status).map(([s, counts]) => [s, counts[SAMPLES - 1]!]),
      ),
      pilots: 36,
      transfers: { count: transfers[SAMPLES - 1]!, bytes: 1_234_567_890 },
    },
  };
}

function step(
  index: number,
  title: string,
  kind: string,
  model_start_s: number,
  model_end_s: number,
  wall_ms: number,
): RunReport['steps'][number] {
  return { index, title, kind, status: 'passed', wall_ms, model_start_s, model_end_s };
}

/** A run that failed at its first step: no samples, no faults, no assertions, no events. */
export function emptyReport(): RunReport {
  const report = sampleReport();
  return {
    ...report,
    status: 'failed',
    wall_s: 0.2,
    model_s: 0,
    steps: [{ ...report.steps[0]!, status: 'failed', message: 'login refused: 401' }],
    assertions: [],
    event_log: { ...report.event_log, total: 0, by_kind: {} },
    series: { t_s: [], jobs_by_status: {}, pilots_by_site: {}, transfers: [], failures: [] },
    faults: [],
    summary: {
      jobs_submitted: 0,
      jobs_by_status: {},
      pilots: 0,
      transfers: { count: 0, bytes: 0 },
    },
  };
}
