import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_LADDER, generateFixtures } from '../../../fixtures/index.ts';
import { type TestBox, testBox } from '../../app/test-box.testkit.ts';
import { type Config, ManualClock, systemClock } from '../../core/index.ts';
import { CPU_TIME_BUCKETS_S } from '../../db/index.ts';
import { MATCH_SNAPSHOT_TTL_MS, generateKeystore, mintAccessToken } from '../../logic/index.ts';

/*
 * DIRAC's matching rules (TaskQueueDB, Matcher, getDIRACPlatform) as tables: a few jobs are
 * submitted, then each resource description is put to both matching routes.
 * - /api/jobs/match/queues (TaskQueueDB.getMatchingTaskQueues) must list the queues of
 *   exactly the expected jobs. Each job gets its own CPU-time bucket, so the CPUTime of a
 *   listed queue says whose it is.
 * - /api/jobs/match (Matcher.selectJob), asked until it answers 204, must hand out exactly
 *   the expected jobs.
 * One box serves each set of jobs: a case submits the set afresh and kills what it left.
 */

const fixtures = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(fixtures.config.Registry)[0]!;
const [siteA, siteB, siteC] = Object.values(fixtures.config.Resources.Sites).flatMap((s) =>
  Object.keys(s),
) as [string, string, string];
const config: Config = {
  ...fixtures.config,
  Resources: {
    ...fixtures.config.Resources,
    Computing: {
      OSCompatibility: Object.fromEntries(
        Object.entries(PLATFORM_LADDER).map(([platform, runs]) => [platform, [...runs]]),
      ),
    },
  },
};
// One key for every box of the file, so that the tokens below work on each.
const keystore = await generateKeystore(systemClock);
const tokenOf = (username: string, properties: string[], group: string) =>
  mintAccessToken(
    { keystore, clock: systemClock, config },
    { vo, username, group, properties },
    3600,
  );
const userToken = await tokenOf('alice', ['NormalUser'], `${vo}_user`);
const pilotToken = await tokenOf('pilot', ['GenericPilot'], `${vo}_pilot`);

/** Jobs by name: the JDL requirements each adds to a plain job. */
type JobSet = Record<string, string>;

const PLATFORM_JOBS: JobSet = {
  el7: 'Platform = "x86_64-el7"',
  el8: 'Platform = "x86_64-el8"',
  el9: 'Platform = "x86_64-el9"',
  arm: 'Platform = "aarch64-el9"',
  anyPlatform: 'Platform = "Any"',
  plain: '',
};
const SITE_JOBS: JobSet = {
  atA: `Site = "${siteA}"`,
  atAorB: `Site = {"${siteA}", "${siteB}"}`,
  notA: `BannedSites = "${siteA}"`,
  notAnorB: `BannedSites = {"${siteA}", "${siteB}"}`,
  anySite: 'Site = "aNy"',
  onCE: 'GridCE = "ce-1.example.org"',
  simulation: 'JobType = "MCSimulation"',
  plain: '',
};
const TAG_JOBS: JobSet = {
  multi: 'Tags = {"MultiProcessor"}',
  gpu: 'Tags = {"GPU"}',
  multiGpu: 'Tags = {"MultiProcessor", "GPU"}',
  multi16: 'Tags = {"MultiProcessor", "16Processors"}',
  untagged: '',
};

interface Valid {
  name: string;
  jobs: JobSet;
  /** The description, VO and CPUTime aside. */
  slot: Record<string, unknown>;
  /** The jobs both routes find, unless `match` says otherwise for /api/jobs/match. */
  queues: string[];
  match?: string[];
}
interface Invalid {
  name: string;
  slot: Record<string, unknown>;
  /** The status each route answers (200: that route takes the description). */
  queues: number;
  match: number;
  detail: RegExp;
}

const platformsOfAll = Object.keys(PLATFORM_JOBS);
const sitesOfAll = Object.keys(SITE_JOBS);
const tagsOfAll = Object.keys(TAG_JOBS);

const valid: Valid[] = [
  // 14. A job's Platform is stored as every platform that lists it: newer nodes run it.
  {
    name: 'an el9 node runs jobs for el9 and el8, not el7',
    jobs: PLATFORM_JOBS,
    slot: { Platform: 'x86_64-el9' },
    queues: ['el8', 'el9', 'anyPlatform', 'plain'],
  },
  {
    name: 'an el8 node runs jobs for el8 and el7, not el9',
    jobs: PLATFORM_JOBS,
    slot: { Platform: 'x86_64-el8' },
    queues: ['el7', 'el8', 'anyPlatform', 'plain'],
  },
  {
    name: 'an el7 node runs only el7 jobs',
    jobs: PLATFORM_JOBS,
    slot: { Platform: ['x86_64-el7'] },
    queues: ['el7', 'anyPlatform', 'plain'],
  },
  {
    name: 'a node of several platforms runs what any of them runs',
    jobs: PLATFORM_JOBS,
    slot: { Platform: ['x86_64-el7', 'aarch64-el9'] },
    queues: ['el7', 'arm', 'anyPlatform', 'plain'],
  },
  {
    name: 'an OS name is not a platform',
    jobs: PLATFORM_JOBS,
    slot: { Platform: 'el9' },
    queues: ['anyPlatform', 'plain'],
  },
  ...(['aNy', ['x86_64-el7', 'ANY'], [], ''] as const).map((platform) => ({
    name: `a node of platform ${JSON.stringify(platform)} runs every platform`,
    jobs: PLATFORM_JOBS,
    slot: { Platform: platform },
    queues: platformsOfAll,
  })),
  {
    name: 'a node that names no platform runs every platform',
    jobs: PLATFORM_JOBS,
    slot: {},
    queues: platformsOfAll,
  },
  // 15–16. Site as one value or a list; ANY and absence restrict nothing, bans included.
  {
    name: 'a slot at one site',
    jobs: SITE_JOBS,
    slot: { Site: siteA },
    queues: ['atA', 'atAorB', 'anySite', 'onCE', 'simulation', 'plain'],
  },
  {
    name: 'a slot for two sites takes jobs that accept one and do not ban both',
    jobs: SITE_JOBS,
    slot: { Site: [siteA, siteB] },
    queues: ['atA', 'atAorB', 'notA', 'anySite', 'onCE', 'simulation', 'plain'],
  },
  {
    name: 'a slot for two other sites',
    jobs: SITE_JOBS,
    slot: { Site: [siteB, siteC] },
    queues: ['atAorB', 'notA', 'notAnorB', 'anySite', 'onCE', 'simulation', 'plain'],
  },
  {
    name: 'a slot at a site no job names',
    jobs: SITE_JOBS,
    slot: { Site: siteC },
    queues: ['notA', 'notAnorB', 'anySite', 'onCE', 'simulation', 'plain'],
  },
  ...(['ANY', 'Any', ['any', siteC], [], ''] as const).map((site) => ({
    name: `a slot at site ${JSON.stringify(site)} takes every job, bans aside`,
    jobs: SITE_JOBS,
    slot: { Site: site },
    queues: sitesOfAll,
  })),
  {
    name: 'a slot naming no site takes every job, bans aside',
    jobs: SITE_JOBS,
    slot: {},
    queues: sitesOfAll,
  },
  {
    name: 'a slot on another CE',
    jobs: SITE_JOBS,
    slot: { Site: siteC, GridCE: 'ce-2.example.org' },
    queues: ['notA', 'notAnorB', 'anySite', 'simulation', 'plain'],
  },
  {
    name: 'a slot on ANY CE',
    jobs: SITE_JOBS,
    slot: { Site: siteC, GridCE: 'AnY' },
    queues: ['notA', 'notAnorB', 'anySite', 'onCE', 'simulation', 'plain'],
  },
  {
    name: 'a slot for User jobs',
    jobs: SITE_JOBS,
    slot: { JobType: 'User' },
    queues: sitesOfAll.filter((job) => job !== 'simulation'),
  },
  {
    name: 'a slot for jobs of ANY type',
    jobs: SITE_JOBS,
    slot: { JobType: ['User', 'any'] },
    queues: sitesOfAll,
  },
  // 15, 17. Tags: every tag of a job offered; RequiredTag kept for the slot's own kind.
  ...([{}, { Tag: [] }, { Tag: '' }] as const).map((slot) => ({
    name: `a slot offering no tag (${JSON.stringify(slot)}) takes untagged jobs only`,
    jobs: TAG_JOBS,
    slot,
    queues: ['untagged'],
  })),
  ...(['ANY', 'aNy', ['GPU', 'Any']] as const).map((tag) => ({
    name: `a slot offering tag ${JSON.stringify(tag)} takes every job`,
    jobs: TAG_JOBS,
    slot: { Tag: tag },
    queues: tagsOfAll,
  })),
  {
    name: 'a slot offering one tag, as a string',
    jobs: TAG_JOBS,
    slot: { Tag: 'MultiProcessor' },
    queues: ['multi', 'untagged'],
  },
  {
    name: 'a slot offering two tags, in DIRAC’s string form',
    jobs: TAG_JOBS,
    slot: { Tag: '[GPU, MultiProcessor]' },
    queues: ['multi', 'gpu', 'multiGpu', 'untagged'],
  },
  {
    name: 'a slot requiring a tag it offers',
    jobs: TAG_JOBS,
    slot: { Tag: ['MultiProcessor', 'GPU'], RequiredTag: 'MultiProcessor' },
    queues: ['multi', 'multiGpu'],
  },
  {
    name: 'a many-core slot kept for multi-processor jobs',
    jobs: TAG_JOBS,
    slot: {
      Tag: ['MultiProcessor', '16Processors', '8Processors'],
      RequiredTag: ['MultiProcessor'],
    },
    queues: ['multi', 'multi16'],
  },
  {
    name: 'a slot offering only what it requires',
    jobs: TAG_JOBS,
    slot: { Tag: 'MultiProcessor', RequiredTag: 'MultiProcessor' },
    queues: ['multi'],
  },
  {
    name: 'a slot requiring ANY tag',
    jobs: TAG_JOBS,
    slot: { Tag: ['GPU'], RequiredTag: 'ANY' },
    queues: ['gpu', 'untagged'],
  },
  {
    name: 'a 16-core slot offers the tags its cores imply',
    jobs: TAG_JOBS,
    slot: { NumberOfProcessors: 16 },
    queues: ['multi', 'multi16', 'untagged'],
  },
  {
    name: 'a 4-core slot requiring MultiProcessor, without Tag (the Matcher drops it)',
    jobs: TAG_JOBS,
    slot: { NumberOfProcessors: 4, RequiredTag: 'MultiProcessor' },
    queues: ['multi'],
    match: ['multi', 'untagged'],
  },
  {
    name: 'a slot requiring ANY tag, without Tag (TaskQueueDB then compares no tag)',
    jobs: TAG_JOBS,
    slot: { RequiredTag: 'ANY' },
    queues: tagsOfAll,
    match: ['untagged'],
  },
];

const invalid: Invalid[] = [
  {
    name: 'a RequiredTag without Tag, at TaskQueueDB',
    slot: { RequiredTag: 'MultiProcessor' },
    queues: 400,
    match: 200,
    detail: /Wrong conditions.*MultiProcessor/,
  },
  {
    name: 'a RequiredTag not among the offered tags',
    slot: { Tag: ['GPU'], RequiredTag: ['MultiProcessor'] },
    queues: 400,
    match: 400,
    detail: /Wrong conditions.*MultiProcessor/,
  },
  {
    name: 'a RequiredTag when the slot offers ANY tag',
    slot: { Tag: 'ANY', RequiredTag: 'GPU' },
    queues: 400,
    match: 400,
    detail: /Wrong conditions.*GPU/,
  },
  {
    name: 'a RequiredTag with an empty Tag',
    slot: { Tag: [], RequiredTag: 'GPU' },
    queues: 400,
    match: 400,
    detail: /Wrong conditions.*GPU/,
  },
  {
    name: 'no CPUTime',
    slot: { CPUTime: undefined },
    queues: 422,
    match: 422,
    detail: /CPUTime/,
  },
];

const SLOT_CPU_TIME = CPU_TIME_BUCKETS_S.at(-1)!;

const post = (app: TestBox, token: string, url: string, payload: unknown) =>
  app.inject('POST', url, token, payload);

const withSlot = (slot: Record<string, unknown>) => ({ VO: vo, CPUTime: SLOT_CPU_TIME, ...slot });

/** A box on which jobs of one set are submitted, matched and cleared, case after case. */
function boxFor(jobs: JobSet) {
  const clock = new ManualClock(Date.now());
  let app: TestBox;
  beforeAll(async () => {
    app = await testBox({ config, auth: { keystore }, clock });
  });
  afterAll(() => app.close());

  /**
   * 1. Submits one job per name of `jobs`, each in a CPU-time bucket of its own; 2. runs
   * `ask` with the names by queue CPU time and by job id; 3. kills the jobs left waiting,
   * which takes them and their queues out of the task queues.
   */
  return async (
    ask: (
      app: TestBox,
      names: { byCpuTime: Map<number, string>; byJobId: Map<number, string> },
    ) => Promise<void>,
  ) => {
    clock.advance(MATCH_SNAPSHOT_TTL_MS); // the matcher's snapshot holds no earlier case
    const names = Object.keys(jobs);
    const cpuTimes = CPU_TIME_BUCKETS_S.slice(0, names.length);
    const submitted = await post(
      app,
      userToken,
      '/api/jobs/jdl',
      names.map((name, i) => `Executable = "${name}"; CPUTime = ${cpuTimes[i]}; ${jobs[name]}`),
    );
    expect(submitted.statusCode, submitted.body).toBe(201);
    const ids = (submitted.json() as { JobID: number }[]).map((job) => job.JobID);
    try {
      await ask(app, {
        byCpuTime: new Map(cpuTimes.map((cpuTime, i) => [cpuTime, names[i]!])),
        byJobId: new Map(ids.map((id, i) => [id, names[i]!])),
      });
    } finally {
      const query = ids.map((id) => `job_ids=${id}`).join('&');
      const status = await app.inject('GET', `/api/jobs/status?${query}`, userToken);
      const waiting = Object.entries(status.json() as Record<string, { Status: string }>)
        .filter(([, job]) => job.Status === 'Waiting')
        .map(([id]) => id);
      if (waiting.length > 0) {
        const time = new Date(clock.nowMs()).toISOString();
        const killed = await app.inject(
          'PATCH',
          '/api/jobs/status',
          userToken,
          Object.fromEntries(waiting.map((id) => [id, { [time]: { Status: 'Killed' } }])),
        );
        expect(killed.statusCode, killed.body).toBe(200);
      }
    }
  };
}

const queuesOf = async (
  app: TestBox,
  byCpuTime: Map<number, string>,
  slot: Record<string, unknown>,
) => {
  const response = await post(app, pilotToken, '/api/jobs/match/queues', withSlot(slot));
  expect(response.statusCode, response.body).toBe(200);
  return (response.json() as { CPUTime: number; Jobs: number }[])
    .map((queue) => {
      expect(queue.Jobs).toBe(1);
      return byCpuTime.get(queue.CPUTime);
    })
    .sort();
};

const matchesOf = async (
  app: TestBox,
  byJobId: Map<number, string>,
  slot: Record<string, unknown>,
) => {
  const found: (string | undefined)[] = [];
  for (let asked = 0; asked <= byJobId.size; asked++) {
    const response = await post(app, pilotToken, '/api/jobs/match', withSlot(slot));
    if (response.statusCode === 204) break;
    expect(response.statusCode, response.body).toBe(200);
    found.push(byJobId.get(response.json().JobID as number));
  }
  return found.sort();
};

describe.each([
  ['platforms', PLATFORM_JOBS],
  ['sites, CEs and job types', SITE_JOBS],
  ['tags', TAG_JOBS],
])('matching by DIRAC’s rules: %s', (_set, jobs) => {
  const trial = boxFor(jobs);
  it.each(valid.filter((c) => c.jobs === jobs).map((c) => [c.name, c] as const))(
    '%s',
    async (_name, { slot, queues, match }) => {
      await trial(async (app, { byCpuTime, byJobId }) => {
        expect(await queuesOf(app, byCpuTime, slot)).toEqual([...queues].sort());
        expect(await matchesOf(app, byJobId, slot)).toEqual([...(match ?? queues)].sort());
      });
    },
  );
});

describe('resource descriptions DIRAC refuses', () => {
  const trial = boxFor(TAG_JOBS);
  it.each(invalid.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await trial(async (app) => {
      for (const [url, status] of [
        ['/api/jobs/match/queues', c.queues],
        ['/api/jobs/match', c.match],
      ] as const) {
        const response = await post(app, pilotToken, url, withSlot(c.slot));
        expect(response.statusCode, `${url}: ${response.body}`).toBe(status);
        if (status !== 200) expect(JSON.stringify(response.json().detail)).toMatch(c.detail);
      }
    });
  });
});

describe('job platforms', () => {
  let app: TestBox;
  beforeAll(async () => {
    app = await testBox({ config, auth: { keystore } });
  });
  afterAll(() => app.close());
  it.each([
    ['an unknown platform', 'Platform = "x86_64-el6"', /Platform x86_64-el6 is not a known/],
    ['an OS name as platform', 'Platform = "el9"', /Platform el9 is not a known platform/],
  ])('refuses a job for %s', async (_name, requirement, detail) => {
    const response = await post(app, userToken, '/api/jobs/jdl', [
      `Executable = "x"; ${requirement}`,
    ]);
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(detail);
  });
});
