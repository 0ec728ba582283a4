import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';
import { MAX_SLOTS_PER_REQUEST } from '../../core/index.ts';

/*
 * POST /api/jobs/match/queues/bulk answers for many slots what /match/queues answers for
 * each: a SiteDirector cycle sizes every queue from it, so any difference would change how
 * many pilots a simulated grid sends where.
 */

const fixtures = generateFixtures({ seed: 1, size: 'small' });
const [vo, otherVo] = Object.keys(fixtures.config.Registry) as [string, string];
const [siteA, siteB] = Object.values(fixtures.config.Resources.Sites).flatMap((s) =>
  Object.keys(s),
) as [string, string];

const JDLS = [
  'Executable = "anywhere";',
  `Executable = "at-a"; Site = "${siteA}";`,
  `Executable = "not-at-a"; BannedSites = {"${siteA}"};`,
  'Executable = "gpu"; Tags = {"GPU"};',
  'Executable = "long"; CPUTime = 400000;',
  'Executable = "mc"; JobType = "MCSimulation";',
];

const SLOTS = [
  { VO: vo, CPUTime: 86400, Site: siteA },
  { VO: vo, CPUTime: 86400, Site: siteB },
  { VO: vo, CPUTime: 86400, Site: siteB, Tag: ['GPU'] },
  { VO: vo, CPUTime: 500000, Site: siteB, GridCE: 'ce01.example.org', Queue: 'long' },
  { VO: vo, CPUTime: 1000 },
  { VO: vo, CPUTime: 86400, Site: [siteA, siteB] },
  { VO: vo, CPUTime: 86400, Site: siteA, JobType: ['User'] },
];

describe('POST /api/jobs/match/queues/bulk', () => {
  it('answers each slot as /match/queues does, in the order asked', async () => {
    await using box = await testBox({ config: fixtures.config });
    const submitted = await box.inject('POST', '/api/jobs/jdl', await box.user(vo), JDLS);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const admin = await box.admin(vo);
    const single = [];
    for (const slot of SLOTS) {
      const response = await box.inject('POST', '/api/jobs/match/queues', admin, slot);
      expect(response.statusCode, response.body).toBe(200);
      single.push(response.json());
    }
    // The slots differ: a bulk answer repeating one slot's queues would not pass.
    expect(new Set(single.map((queues) => JSON.stringify(queues))).size).toBeGreaterThan(3);
    const bulk = await box.inject('POST', '/api/jobs/match/queues/bulk', admin, { Slots: SLOTS });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect(bulk.json()).toEqual(single);
  });

  it('refuses the whole request when one slot is of another VO', async () => {
    await using box = await testBox({ config: fixtures.config });
    const submitted = await box.inject('POST', '/api/jobs/jdl', await box.user(otherVo), JDLS);
    expect(submitted.statusCode, submitted.body).toBe(201);
    const response = await box.inject('POST', '/api/jobs/match/queues/bulk', await box.admin(vo), {
      Slots: [SLOTS[0], { VO: otherVo, CPUTime: 86400 }],
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'A pilot matches jobs of its own VO only' });
  });

  it.each([
    ['no slot', []],
    ['too many slots', Array.from({ length: MAX_SLOTS_PER_REQUEST + 1 }, () => SLOTS[0])],
  ])('refuses %s with 422, as DiracX refuses a body its schema rejects', async (_name, slots) => {
    await using box = await testBox({ config: fixtures.config });
    const response = await box.inject('POST', '/api/jobs/match/queues/bulk', await box.admin(vo), {
      Slots: slots,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toHaveProperty('detail');
  });

  it('is for pilots and administrators, not users', async () => {
    await using box = await testBox({ config: fixtures.config });
    const response = await box.inject('POST', '/api/jobs/match/queues/bulk', await box.user(vo), {
      Slots: [SLOTS[0]],
    });
    expect(response.statusCode).toBe(403);
  });
});
