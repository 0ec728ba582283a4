import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { ManualClock } from '../../core/index.ts';
import {
  type ResourceStatusDB,
  SqlTaskQueueDB,
  type StartedDatabases,
  type TaskQueueDB,
  type TaskQueueKey,
  openDatabases,
  resourceStatusDb,
  taskQueueDb,
} from '../../db/index.ts';
import { MATCH_SNAPSHOT_TTL_MS, MatchCache, type MatchCacheDeps } from './match-cache.ts';
import { taskQueueKey } from './jobs.testkit.ts';
import { recalculateShares } from './shares.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const group = `${vo}_user`;
const key = (cpuTime: number): TaskQueueKey => taskQueueKey({ ownerGroup: group, vo, cpuTime });

let databases: StartedDatabases;
let deps: MatchCacheDeps & { clock: ManualClock };
/** The same tables reached through a DB object of its own, as another replica would. */
let replica: TaskQueueDB;
let wallClock: ManualClock;
let cache: MatchCache;
beforeEach(async () => {
  databases = await openDatabases('sqlite::memory:', [taskQueueDb, resourceStatusDb]);
  deps = {
    taskQueueDb: databases.dbs.get('TaskQueueDB') as TaskQueueDB,
    resourceStatusDb: databases.dbs.get('ResourceStatusDB') as ResourceStatusDB,
    config,
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
  };
  replica = new SqlTaskQueueDB('TaskQueueDB', databases.sql.forDb('TaskQueueDB'));
  wallClock = new ManualClock(0);
  cache = new MatchCache(MATCH_SNAPSHOT_TTL_MS, wallClock);
});
afterEach(() => databases.close());

const queueIds = async () => (await cache.snapshot(deps, vo)).queues.map((q) => q.tqId);

describe('MatchCache', () => {
  it('keeps a snapshot while nothing changes, however far the app’s clock jumps', async () => {
    await deps.taskQueueDb.insertJobs([{ jobId: 1, userPriority: 1 }], key(360));
    const first = await cache.snapshot(deps, vo);
    deps.clock.advance(24 * 3600_000);
    expect(await cache.snapshot(deps, vo)).toBe(first);
  });

  it.each<[string, () => Promise<unknown>]>([
    [
      'a queue created',
      () => deps.taskQueueDb.insertJobs([{ jobId: 2, userPriority: 1 }], key(3600)),
    ],
    ['a queue deleted', () => deps.taskQueueDb.deleteJobs([1])],
    ['priorities set', () => deps.taskQueueDb.setPriorities(new Map([[1, 7]]))],
    [
      'a site status written',
      () =>
        deps.resourceStatusDb.setSiteStatus(
          { name: 'LCG.CERN.cern', vo, status: 'Banned', reason: '' },
          deps.clock.nowMs(),
        ),
    ],
    [
      'the configuration reloaded',
      async () => {
        deps = { ...deps, config: structuredClone(config) };
      },
    ],
  ])('reads again at once after %s through this app', async (_name, change) => {
    await deps.taskQueueDb.insertJobs([{ jobId: 1, userPriority: 1 }], key(360));
    const first = await cache.snapshot(deps, vo);
    await change();
    expect(await cache.snapshot(deps, vo)).not.toBe(first);
  });

  it('keeps it when a job joins a queue that already held jobs, with the same priority', async () => {
    const [tqId] = await deps.taskQueueDb.insertJobs([{ jobId: 1, userPriority: 1 }], key(360));
    const first = await cache.snapshot(deps, vo);
    await deps.taskQueueDb.insertJobs([{ jobId: 2, userPriority: 1 }], key(360));
    expect(await cache.snapshot(deps, vo)).toBe(first);
    expect(first.queues.map((q) => q.tqId)).toEqual([tqId]);
  });

  it('sees what another replica changed once the snapshot is a wall-clock TTL old', async () => {
    expect(await queueIds()).toEqual([]);
    const [tqId] = await replica.insertJobs([{ jobId: 1, userPriority: 1 }], key(360));
    deps.clock.advance(3600_000); // model time alone does not age the snapshot
    expect(await queueIds()).toEqual([]);
    wallClock.advance(MATCH_SNAPSHOT_TTL_MS);
    expect(await queueIds()).toEqual([tqId]);
  });
});

describe('MatchCache.dropIfEmpty', () => {
  const ownedBy = (owner: string): TaskQueueKey => ({ ...key(360), owner });
  /** What a snapshot read now says: queue ids and priorities. */
  const fresh = async () =>
    (await new MatchCache().snapshot(deps, vo)).queues.map((q) => [q.tqId, q.priority]);
  const current = async () => {
    const snapshot = await cache.snapshot(deps, vo);
    return snapshot.queues
      .filter((q) => !snapshot.emptied.has(q.tqId))
      .map((q) => [q.tqId, q.priority]);
  };

  it('takes in its own drop and the new shares without reading the VO again', async () => {
    // Bob's two queues share his half of the group's share; Alice's one has the other half.
    const [alice] = await deps.taskQueueDb.insertJobs(
      [{ jobId: 1, userPriority: 1 }],
      ownedBy('alice'),
    );
    await deps.taskQueueDb.insertJobs([{ jobId: 2, userPriority: 1 }], ownedBy('bob'));
    await deps.taskQueueDb.insertJobs([{ jobId: 3, userPriority: 1 }], {
      ...ownedBy('bob'),
      cpuTime: 3600,
    });
    await recalculateShares(deps.taskQueueDb, config, vo, group);
    const snapshot = await cache.snapshot(deps, vo);
    const queue = snapshot.queues.find((q) => q.tqId === alice)!;
    expect(await cache.dropIfEmpty(deps, snapshot, queue)).toBe(false);
    expect(await deps.taskQueueDb.claimJob(alice!, 1)).toBe(true);
    expect(await cache.dropIfEmpty(deps, snapshot, queue)).toBe(true);
    expect(await cache.snapshot(deps, vo)).toBe(snapshot);
    expect(await current()).toEqual(await fresh());
  });

  it('reads the VO again when something else changed meanwhile', async () => {
    const [alice] = await deps.taskQueueDb.insertJobs(
      [{ jobId: 1, userPriority: 1 }],
      ownedBy('alice'),
    );
    const snapshot = await cache.snapshot(deps, vo);
    await deps.taskQueueDb.insertJobs([{ jobId: 2, userPriority: 1 }], ownedBy('bob'));
    expect(await deps.taskQueueDb.claimJob(alice!, 1)).toBe(true);
    expect(await cache.dropIfEmpty(deps, snapshot, snapshot.queues[0]!)).toBe(true);
    expect(await cache.snapshot(deps, vo)).not.toBe(snapshot);
    expect(await current()).toEqual(await fresh());
  });
});
