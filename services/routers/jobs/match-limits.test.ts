import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { type TestBox, testBox } from '../../app/test-box.testkit.ts';
import {
  type Config,
  ConfigSchema,
  type JobSchedulingConfig,
  ManualClock,
  validateAgainst,
} from '../../core/index.ts';
import { JOB_COUNT_TTL_MS, MATCH_SNAPSHOT_TTL_MS } from '../../logic/index.ts';

/*
 * DIRAC's per-site job limits (Limiter.py) through the two matching routes. Each case:
 * 1. a box whose Operations/JobScheduling is the case's, for both VOs;
 * 2. jobs of the first VO put Running at a site as a real run does (submitted, matched by a
 *    pilot of the site, set Running through the status route);
 * 3. the count cache allowed to expire (the clock advanced, no sleep);
 * 4. one waiting User job and one MCSimulation job, then a pilot asks until it gets nothing.
 */

const fixtures = generateFixtures({ seed: 1, size: 'small' });
const [vo, otherVo] = Object.keys(fixtures.config.Registry) as [string, string];
const [siteA, siteB] = Object.values(fixtures.config.Resources.Sites).flatMap((s) =>
  Object.keys(s),
) as [string, string];
const ceA = 'ce01.example.org';
const CPU_TIME = 86400;

function configWith(scheduling: JobSchedulingConfig): Config {
  const Operations = Object.fromEntries(
    Object.entries(fixtures.config.Operations).map(([name, ops]) => [
      name,
      { ...ops, JobScheduling: scheduling },
    ]),
  );
  return { ...fixtures.config, Operations };
}

const WAITING = { user: 'JobType = "User"', mc: 'JobType = "MCSimulation"' };

async function submit(box: TestBox, forVo: string, jdls: string[]): Promise<number[]> {
  const response = await box.inject('POST', '/api/jobs/jdl', await box.user(forVo), jdls);
  expect(response.statusCode, response.body).toBe(201);
  return (response.json() as { JobID: number }[]).map((job) => job.JobID);
}

const match = async (box: TestBox, forVo: string, slot: Record<string, unknown>) =>
  box.inject('POST', '/api/jobs/match', await box.pilot(forVo), {
    VO: forVo,
    CPUTime: CPU_TIME,
    ...slot,
  });

/** Puts `count` jobs of `jobType` Running at `site` as the first VO's pilots would. */
async function runAt(
  box: TestBox,
  clock: ManualClock,
  site: string,
  jobType: string,
  count: number,
) {
  const ids = await submit(
    box,
    vo,
    Array.from(
      { length: count },
      (_, i) => `Executable = "r${i}"; JobType = "${jobType}"; Site = "${site}"`,
    ),
  );
  clock.advance(MATCH_SNAPSHOT_TTL_MS);
  for (const _ of ids) {
    const matched = await match(box, vo, { Site: site });
    expect(matched.statusCode, matched.body).toBe(200);
  }
  clock.advance(1000);
  const time = new Date(clock.nowMs()).toISOString();
  const running = await box.inject(
    'PATCH',
    '/api/jobs/status',
    await box.admin(vo),
    Object.fromEntries(ids.map((id) => [id, { [time]: { Status: 'Running' } }])),
  );
  expect(running.statusCode, running.body).toBe(200);
}

/** The names of the waiting jobs a pilot of `slot` is given, asking until it gets none. */
async function matchedNames(
  box: TestBox,
  forVo: string,
  byId: Map<number, string>,
  slot: Record<string, unknown>,
): Promise<string[]> {
  const names: string[] = [];
  for (let asked = 0; asked <= byId.size; asked++) {
    const response = await match(box, forVo, slot);
    if (response.statusCode === 204) break;
    expect(response.statusCode, response.body).toBe(200);
    names.push(byId.get(response.json().JobID as number) ?? 'another job');
  }
  return names.sort();
}

async function submitWaiting(box: TestBox, forVo: string, jobs: Record<string, string>) {
  const names = Object.keys(jobs);
  const ids = await submit(
    box,
    forVo,
    names.map((name) => `Executable = "${name}"; ${jobs[name]}`),
  );
  return new Map(ids.map((id, i) => [id, names[i]!]));
}

interface LimitCase {
  name: string;
  scheduling: JobSchedulingConfig;
  running: [site: string, jobType: string, count: number][];
  /** The VO whose pilot asks (the first unless told). */
  askVo?: string;
  slot: Record<string, unknown>;
  expected: string[];
}

const limitCases: LimitCase[] = [
  {
    name: 'a site at its User limit gets no User job, still MCSimulation',
    scheduling: { RunningLimit: { [siteA]: { JobType: { User: 2 } } } },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteA },
    expected: ['mc'],
  },
  {
    name: 'a site over its User limit gets no User job',
    scheduling: { RunningLimit: { [siteA]: { JobType: { User: 1 } } } },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteA },
    expected: ['mc'],
  },
  {
    name: 'a site below its User limit gets both',
    scheduling: { RunningLimit: { [siteA]: { JobType: { User: 3 } } } },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteA },
    expected: ['mc', 'user'],
  },
  {
    name: 'jobs of another type do not count towards the User limit',
    scheduling: { RunningLimit: { [siteA]: { JobType: { User: 2 } } } },
    running: [[siteA, 'MCSimulation', 2]],
    slot: { Site: siteA },
    expected: ['mc', 'user'],
  },
  {
    name: 'a limit reached at another site does not matter',
    scheduling: { RunningLimit: { [siteB]: { JobType: { User: 2 } } } },
    running: [[siteB, 'User', 2]],
    slot: { Site: siteA },
    expected: ['mc', 'user'],
  },
  {
    name: 'jobs running at another site do not count',
    scheduling: { RunningLimit: { [siteB]: { JobType: { User: 2 } } } },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteB },
    expected: ['mc', 'user'],
  },
  {
    name: 'CheckJobLimits = false switches the limits off',
    scheduling: { CheckJobLimits: false, RunningLimit: { [siteA]: { JobType: { User: 2 } } } },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteA },
    expected: ['mc', 'user'],
  },
  {
    name: 'a CE limit, reached by the jobs of the whole site, holds for pilots of that CE',
    scheduling: { RunningLimit: { [siteA]: { CEs: { [ceA]: { JobType: { User: 2 } } } } } },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteA, GridCE: ceA },
    expected: ['mc'],
  },
  {
    name: 'a CE limit does not hold for pilots of another CE',
    scheduling: { RunningLimit: { [siteA]: { CEs: { [ceA]: { JobType: { User: 2 } } } } } },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteA, GridCE: 'ce02.example.org' },
    expected: ['mc', 'user'],
  },
  {
    name: 'a pilot of another VO is not limited by the first VO’s running jobs',
    scheduling: { RunningLimit: { [siteA]: { JobType: { User: 2 } } } },
    running: [[siteA, 'User', 2]],
    askVo: otherVo,
    slot: { Site: siteA },
    expected: ['mc', 'user'],
  },
  {
    name: 'limits on two attributes keep out only queues that hit both (DIRAC’s negative SQL)',
    scheduling: {
      RunningLimit: { [siteA]: { JobType: { User: 2 }, OwnerGroup: { [`${vo}_prod`]: 0 } } },
    },
    running: [[siteA, 'User', 2]],
    slot: { Site: siteA },
    expected: ['mc', 'user'],
  },
];

describe('DIRAC’s running limits per site', () => {
  it.each(limitCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    await using box = await testBox({ config: configWith(c.scheduling), clock });
    for (const [site, jobType, count] of c.running) await runAt(box, clock, site, jobType, count);
    clock.advance(JOB_COUNT_TTL_MS);
    const askVo = c.askVo ?? vo;
    const byId = await submitWaiting(box, askVo, WAITING);
    clock.advance(MATCH_SNAPSHOT_TTL_MS);
    // The SiteDirector's view (getMatchingTaskQueues) applies the same limits.
    const queues = await box.inject('POST', '/api/jobs/match/queues', await box.pilot(askVo), {
      VO: askVo,
      CPUTime: CPU_TIME,
      ...c.slot,
    });
    expect(queues.statusCode, queues.body).toBe(200);
    expect((queues.json() as { Jobs: number }[]).reduce((n, q) => n + q.Jobs, 0)).toBe(
      c.expected.length,
    );
    expect(await matchedNames(box, askVo, byId, c.slot)).toEqual(c.expected);
  });

  it('counts again once the cached count has expired, not before', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const scheduling = { RunningLimit: { [siteA]: { JobType: { User: 2 } } } };
    await using box = await testBox({ config: configWith(scheduling), clock });
    await runAt(box, clock, siteA, 'User', 2);
    // The matches above counted 0 User jobs at the site: that count holds for 10 s.
    const byId = await submitWaiting(box, vo, { user1: WAITING.user, user2: WAITING.user });
    clock.advance(MATCH_SNAPSHOT_TTL_MS);
    expect(await matchedNames(box, vo, byId, { Site: siteA })).toHaveLength(2);
    const more = await submitWaiting(box, vo, { user3: WAITING.user });
    clock.advance(JOB_COUNT_TTL_MS);
    expect(await matchedNames(box, vo, more, { Site: siteA })).toEqual([]);
  });
});

interface DelayCase {
  name: string;
  scheduling: JobSchedulingConfig;
  /** What a pilot of site A gets of two User jobs and one MCSimulation job. */
  first: string[];
  /** What it gets after `afterS` seconds more. */
  afterS: number;
  then: string[];
}

const delayCases: DelayCase[] = [
  {
    name: 'a matched User job keeps User jobs out of the site for the delay',
    scheduling: { MatchingDelay: { [siteA]: { JobType: { User: 60 } } } },
    first: ['mc', 'user1'],
    afterS: 59,
    then: [],
  },
  {
    name: 'User jobs come back to the site once the delay is over',
    scheduling: { MatchingDelay: { [siteA]: { JobType: { User: 60 } } } },
    first: ['mc', 'user1'],
    afterS: 60,
    then: ['user2'],
  },
  {
    name: 'CheckMatchingDelay = false switches the delays off',
    scheduling: {
      CheckMatchingDelay: false,
      MatchingDelay: { [siteA]: { JobType: { User: 60 } } },
    },
    first: ['mc', 'user1', 'user2'],
    afterS: 0,
    then: [],
  },
  {
    name: 'a delay at another site does not matter',
    scheduling: { MatchingDelay: { [siteB]: { JobType: { User: 60 } } } },
    first: ['mc', 'user1', 'user2'],
    afterS: 0,
    then: [],
  },
];

describe('DIRAC’s matching delays per site', () => {
  it.each(delayCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    await using box = await testBox({ config: configWith(c.scheduling), clock });
    const byId = await submitWaiting(box, vo, {
      user1: WAITING.user,
      user2: WAITING.user,
      mc: WAITING.mc,
    });
    clock.advance(MATCH_SNAPSHOT_TTL_MS);
    // Whichever User job comes first is "user1" here: the names of the two are exchangeable.
    const first = await matchedNames(box, vo, byId, { Site: siteA });
    expect(first.map((n) => n.replace(/user\d/, 'user'))).toEqual(
      c.first.map((n) => n.replace(/user\d/, 'user')),
    );
    clock.advance(c.afterS * 1000);
    const then = await matchedNames(box, vo, byId, { Site: siteA });
    expect(then.map((n) => n.replace(/user\d/, 'user'))).toEqual(
      c.then.map((n) => n.replace(/user\d/, 'user')),
    );
  });

  it('keeps another VO’s matches apart', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const scheduling = { MatchingDelay: { [siteA]: { JobType: { User: 60 } } } };
    await using box = await testBox({ config: configWith(scheduling), clock });
    const mine = await submitWaiting(box, vo, { user: WAITING.user });
    const theirs = await submitWaiting(box, otherVo, { user: WAITING.user });
    clock.advance(MATCH_SNAPSHOT_TTL_MS);
    expect(await matchedNames(box, vo, mine, { Site: siteA })).toEqual(['user']);
    expect(await matchedNames(box, otherVo, theirs, { Site: siteA })).toEqual(['user']);
  });
});

describe('job limits in the configuration', () => {
  const invalid: [string, unknown, RegExp][] = [
    [
      'a limit that is not a number',
      { RunningLimit: { [siteA]: { JobType: { User: 'ten' } } } },
      /RunningLimit.*JobType\/User.*integer/,
    ],
    [
      'a negative limit',
      { RunningLimit: { [siteA]: { JobType: { User: -1 } } } },
      /RunningLimit.*JobType\/User.*>= 0/,
    ],
    [
      'a fractional delay',
      { MatchingDelay: { [siteA]: { JobType: { User: 1.5 } } } },
      /MatchingDelay.*integer/,
    ],
    [
      'a job attribute the task queues cannot exclude by',
      { RunningLimit: { [siteA]: { JobGroup: { x: 1 } } } },
      /RunningLimit\/.*additional properties/,
    ],
    ['a switch that is not a boolean', { CheckJobLimits: 'yes' }, /CheckJobLimits.*boolean/],
  ];
  it.each(invalid)('refuses %s, naming where', (_name, scheduling, message) => {
    const config = configWith(scheduling as JobSchedulingConfig);
    expect(() => validateAgainst(ConfigSchema, config, 'The configuration')).toThrow(message);
  });

  it('takes the limits of DIRAC’s documentation', () => {
    const config = configWith({
      CheckJobLimits: true,
      CheckMatchingDelay: true,
      RunningLimit: {
        [siteA]: { JobType: { Merge: 20, MCGen: 1000 }, CEs: { [ceA]: { JobType: { User: 5 } } } },
      },
      MatchingDelay: { [siteA]: { JobType: { MCGen: 30 } } },
    });
    expect(() => validateAgainst(ConfigSchema, config, 'The configuration')).not.toThrow();
  });
});
