import assert from 'node:assert/strict';
import { ManualClock } from '../../core/index.ts';
import { singleDbSuite } from '../conformance.ts';
import type { PilotAgentsDB } from './pilot-agents-db.ts';

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

/** What a PilotAgentsDB must do; a DB registered in its place must pass each check. */
export const pilotAgentsDbConformance = singleDbSuite<PilotAgentsDB>('PilotAgentsDB', [
  {
    name: 'tells which pilots, of which VO, each job was matched to',
    async run(open) {
      await using opened = await open();
      const { db } = opened;
      await db.registerPilots(
        [pilot('a-1', 'lhcb'), pilot('a-2', 'lhcb'), pilot('b-1', 'atlas')],
        [],
        clock,
      );
      await db.recordMatch('a-1', 10, '2026-06-01 12:00:00');
      await db.recordMatch('a-2', 10, '2026-06-01 13:00:00');
      await db.recordMatch('b-1', 11, '2026-06-01 12:00:00');

      const mapped = await db.pilotsMappedToJobs([10, 11, 12]);
      assert.deepEqual([...mapped.keys()].sort(), [10, 11], 'the jobs with a pilot');
      assert.deepEqual(
        mapped.get(10)!.sort((x, y) => x.stamp.localeCompare(y.stamp)),
        [
          { stamp: 'a-1', vo: 'lhcb' },
          { stamp: 'a-2', vo: 'lhcb' },
        ],
        'the pilots of job 10',
      );
      assert.deepEqual(mapped.get(11), [{ stamp: 'b-1', vo: 'atlas' }], 'the pilots of job 11');
      assert.deepEqual(await db.pilotsMappedToJobs([]), new Map());
    },
  },
]);
