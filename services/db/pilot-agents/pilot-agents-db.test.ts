import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { openDatabases } from '../open-databases.ts';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { type PilotAgentsDB, pilotAgentsDb } from './index.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const pilot = (stamp: string, vo: string) => ({
  stamp,
  vo,
  gridType: 'DIRAC',
  gridSite: 'LCG.Test.ch',
  destinationSite: 'ce.test.ch',
  reference: stamp,
  status: 'Submitted',
});

describe.each(sqlBackends)('PilotAgentsDB on %s', (_backend, url) => {
  it('tells which pilots, of which VO, each job was matched to', async () => {
    await using databases = await openDatabases(await url(), [pilotAgentsDb]);
    const db = databases.dbs.get('PilotAgentsDB') as PilotAgentsDB;
    await db.registerPilots(
      [pilot('a-1', 'lhcb'), pilot('a-2', 'lhcb'), pilot('b-1', 'atlas')],
      [],
      clock,
    );
    await db.recordMatch('a-1', 10, '2026-06-01 12:00:00');
    await db.recordMatch('a-2', 10, '2026-06-01 13:00:00');
    await db.recordMatch('b-1', 11, '2026-06-01 12:00:00');

    const mapped = await db.pilotsMappedToJobs([10, 11, 12]);
    expect([...mapped.keys()].sort()).toEqual([10, 11]);
    expect(mapped.get(10)!.sort((x, y) => x.stamp.localeCompare(y.stamp))).toEqual([
      { stamp: 'a-1', vo: 'lhcb' },
      { stamp: 'a-2', vo: 'lhcb' },
    ]);
    expect(mapped.get(11)).toEqual([{ stamp: 'b-1', vo: 'atlas' }]);
    expect(await db.pilotsMappedToJobs([])).toEqual(new Map());
  });
});
