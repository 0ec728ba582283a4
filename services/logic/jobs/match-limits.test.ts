import { describe, expect, it } from 'vitest';
import type { TaskQueueDefinition } from '../../db/index.ts';
import { taskQueue as tq } from './jobs.testkit.ts';
import { type NegativeCondition, isExcluded, isExcludedEverywhere } from './match-limits.ts';

// TaskQueueDB's negative condition, NOT(hit₁ AND hit₂ …): a queue is out only when it hits
// on every attribute the condition names.
const cases: [string, Partial<TaskQueueDefinition>, NegativeCondition, boolean][] = [
  ['a queue of a type kept out', {}, { JobType: ['User'] }, true],
  ['a queue of a type among those kept out', {}, { JobType: ['Merge', 'User'] }, true],
  ['a queue of another type', { jobTypes: ['MCSimulation'] }, { JobType: ['User'] }, false],
  ['an empty condition', {}, {}, false],
  [
    'a queue for the site kept out',
    { sites: ['LCG.CERN.cern'] },
    { Site: ['LCG.CERN.cern'] },
    true,
  ],
  ['a queue for any site, the site kept out', {}, { Site: ['LCG.CERN.cern'] }, false],
  ['a queue of the owner kept out', {}, { Owner: ['alice'] }, true],
  ['a queue of the group kept out', {}, { OwnerGroup: ['lhcb_user'] }, true],
  ['a queue of another group', {}, { OwnerGroup: ['lhcb_prod'] }, false],
  // DIRAC writes one "value != field" per value, OR-ed: two groups never hit.
  ['a queue of one of two groups kept out', {}, { OwnerGroup: ['lhcb_user', 'lhcb_prod'] }, false],
  [
    'a queue hitting on both attributes',
    {},
    { JobType: ['User'], OwnerGroup: ['lhcb_user'] },
    true,
  ],
  [
    'a queue hitting on one attribute of two',
    {},
    { JobType: ['User'], OwnerGroup: ['lhcb_prod'] },
    false,
  ],
];

describe('isExcluded', () => {
  it.each(cases)('%s', (_name, queue, condition, expected) => {
    expect(isExcluded(tq(queue), condition)).toBe(expected);
  });
});

describe('isExcludedEverywhere', () => {
  const atA: NegativeCondition = { Site: ['A'], JobType: ['User'] };
  const atB: NegativeCondition = { Site: ['B'], JobType: ['User'] };
  it.each([
    ['no site keeps it out', { sites: ['A'] }, [] as NegativeCondition[], false],
    ['the one site with limits keeps it out', { sites: ['A'] }, [atA], true],
    ['one site of two keeps it out', { sites: ['A'] }, [atA, atB], false],
    ['both sites keep it out', { sites: ['A', 'B'] }, [atA, atB], true],
  ] as const)('%s', (_name, queue, conditions, expected) => {
    expect(isExcludedEverywhere(tq(queue), conditions)).toBe(expected);
  });
});
