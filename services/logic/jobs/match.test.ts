import { describe, expect, it } from 'vitest';
import type { TaskQueueDefinition } from '../../db/index.ts';
import { taskQueue as tq } from './jobs.testkit.ts';
import {
  type MatchLayer,
  type ResourceDescription,
  matchConditions,
  queueMatches,
  resourceTags,
  slotKind,
} from './match.ts';
import { MatchCache } from './match-cache.ts';

const slot = (overrides: Partial<ResourceDescription> = {}): ResourceDescription => ({
  VO: 'lhcb',
  Site: 'LCG.CERN.cern',
  GridCE: 'ce01.cern.ch',
  Platform: 'x86_64-el9',
  CPUTime: 86400,
  ...overrides,
});

const cases: [string, Partial<TaskQueueDefinition>, Partial<ResourceDescription>, boolean][] = [
  ['a plain job on a plain slot', {}, {}, true],
  ['a job needing more CPU time than the slot has', { cpuTime: 172800 }, {}, false],
  ['a job of another VO', { vo: 'atlas' }, {}, false],
  ['a job of a group the pilot does not serve', {}, { OwnerGroup: ['lhcb_prod'] }, false],
  ['a job of a group the pilot serves', {}, { OwnerGroup: ['lhcb_prod', 'lhcb_user'] }, true],
  ['a job for this site', { sites: ['LCG.CERN.cern', 'LCG.RAL.uk'] }, {}, true],
  ['a job for other sites', { sites: ['LCG.RAL.uk'] }, {}, false],
  ['a job for other sites, on a slot saying ANY', { sites: ['LCG.RAL.uk'] }, { Site: 'ANY' }, true],
  ['a job that bans this site', { bannedSites: ['LCG.CERN.cern'] }, {}, false],
  ['a job for this CE', { gridCEs: ['ce01.cern.ch'] }, {}, true],
  ['a job for another CE', { gridCEs: ['ce02.cern.ch'] }, {}, false],
  ['a job for this platform', { platforms: ['x86_64-el9', 'x86_64-el8'] }, {}, true],
  ['a job for another platform', { platforms: ['aarch64-el9'] }, {}, false],
  [
    'a job for a platform among the slot’s',
    { platforms: ['x86_64-el8'] },
    { Platform: ['x86_64-el9', 'x86_64-el8'] },
    true,
  ],
  [
    'a job of a type the slot takes',
    { jobTypes: ['MCSimulation'] },
    { JobType: 'MCSimulation' },
    true,
  ],
  [
    'a job of a type the slot does not take',
    { jobTypes: ['MCSimulation'] },
    { JobType: 'User' },
    false,
  ],
  ['a GPU job on a slot without GPU', { tags: ['GPU'] }, {}, false],
  ['a GPU job on a GPU slot', { tags: ['GPU'] }, { Tag: ['GPU'] }, true],
  [
    'an 8-core job on a 4-core slot',
    { tags: ['8Processors', 'MultiProcessor'] },
    { NumberOfProcessors: 4 },
    false,
  ],
  [
    'a 4-core job on an 8-core slot',
    { tags: ['4Processors', 'MultiProcessor'] },
    { NumberOfProcessors: 8 },
    true,
  ],
  [
    'a single-core job on a slot kept for multi-core',
    {},
    { NumberOfProcessors: 8, Tag: [], RequiredTag: ['MultiProcessor'] },
    false,
  ],
  [
    'a multi-core job on a slot kept for multi-core',
    { tags: ['4Processors', 'MultiProcessor'] },
    { NumberOfProcessors: 8, Tag: [], RequiredTag: ['MultiProcessor'] },
    true,
  ],
  ['a 4GB job on a 8000 MB slot', { tags: ['4GB'] }, { MaxRAM: 8000 }, true],
  ['a 16GB job on a 8000 MB slot', { tags: ['16GB'] }, { MaxRAM: 8000 }, false],
  [
    'a whole-node job on a whole node',
    { tags: ['MultiProcessor', 'WholeNode'] },
    { WholeNode: true, NumberOfProcessors: 64 },
    true,
  ],
  ['any tagged job on a slot offering ANY tag', { tags: ['Exotic'] }, { Tag: ['ANY'] }, true],
];

describe('queueMatches', () => {
  const layers: MatchLayer[] = ['Matcher', 'TaskQueueDB'];
  it.each(layers.flatMap((layer) => cases.map((c) => [layer, ...c] as const)))(
    '%s: %s',
    (layer, _name, queue, resource, expected) => {
      expect(queueMatches(tq(queue), matchConditions(slot(resource), layer))).toBe(expected);
    },
  );

  // Only the Matcher drops a RequiredTag sent without Tag (its implied tags do not count).
  it.each([
    ['Matcher', true],
    ['TaskQueueDB', false],
  ] as const)('%s: a RequiredTag without Tag, on a multi-core slot', (layer, expected) => {
    const conditions = matchConditions(
      slot({ NumberOfProcessors: 8, RequiredTag: ['MultiProcessor'] }),
      layer,
    );
    expect(queueMatches(tq(), conditions)).toBe(expected);
  });
});

describe('resourceTags', () => {
  it('offers every processor count up to the slot’s, and memory in whole gigabytes', () => {
    expect(
      [...resourceTags(slot({ NumberOfProcessors: 3, MaxRAM: 3500, Tag: ['GPU'] }))].sort(),
    ).toEqual(['2GB', '2Processors', '3GB', '3Processors', 'GPU', 'MultiProcessor']);
  });
});

describe('slotKind', () => {
  it('reads a description once per kind of slot: CPU time and pilot aside', () => {
    const cache = new MatchCache();
    const kind = slotKind(cache, slot({ CPUTime: 100, PilotStamp: 'p1' }), 'Matcher');
    expect(kind.conditions).toEqual(matchConditions(slot({ CPUTime: 100 }), 'Matcher'));
    expect(slotKind(cache, slot({ CPUTime: 9, PilotStamp: 'p2' }), 'Matcher')).toBe(kind);
    for (const other of [
      slotKind(cache, slot({ Site: 'LCG.RAL.uk' }), 'Matcher'),
      slotKind(cache, slot({ Tag: ['GPU'] }), 'Matcher'),
      slotKind(cache, slot(), 'TaskQueueDB'),
    ]) {
      expect(other).not.toBe(kind);
      expect(other.key).not.toBe(kind.key);
    }
  });

  it('refuses a description TaskQueueDB refuses, every time', () => {
    const cache = new MatchCache();
    const wrong = slot({ Tag: ['GPU'], RequiredTag: ['SSD'] });
    for (let i = 0; i < 2; i++)
      expect(() => slotKind(cache, wrong, 'TaskQueueDB')).toThrow(/Wrong conditions/);
  });
});
