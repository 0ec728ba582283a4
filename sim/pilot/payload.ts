import type { DiracxClient, StatusReport } from '../../client/index.ts';
import type { MatchedJobBody, Rng } from '../../services/core/index.ts';
import type { ProcessContext } from '../engine/index.ts';
import type { SimQueue } from '../grid/grid.ts';
import { StorageError } from '../storage/index.ts';
import { clockMs } from '../timing.ts';
import { type SimWorld, crossNetwork, isoAt, record } from '../world.ts';
import { type PayloadDescription, describePayload, outputLfn } from './job-description.ts';

/** Where a payload runs: a batch slot of a queue, until the batch system's limit. */
export interface Slot {
  readonly queue: SimQueue;
  /** Clock ms at which the batch system kills whatever runs in the slot. */
  readonly wallEndMs: number;
  /** Who runs it (a pilot stamp, a push agent), for the event log. */
  readonly runner: string;
  /** True once the batch system has killed the slot (an injected fault). */
  readonly killed?: () => boolean;
}

/** `lost`: the slot died under the job (node crash, wall-clock kill); it will stall. */
export type PayloadEnd = 'ended' | 'lost';

/**
 * The JobWrapper: runs one matched job in a slot, as DIRAC does on a worker node. Input
 * sandbox, input data through the catalog and an SE, execution under a watchdog that
 * heartbeats, outputs put on an SE and registered, the final status. Every step that
 * touches the grid is an event.
 */
export async function runPayload(
  ctx: ProcessContext,
  world: SimWorld,
  client: DiracxClient,
  slot: Slot,
  job: MatchedJobBody,
  rng: Rng,
): Promise<PayloadEnd> {
  const jobId = job.JobID;
  const payload = describePayload(job.JDL);
  // DIRAC's pilot fetches a proxy of the job's owner for the payload: data and sandboxes
  // are the owner's. Status reports and heartbeats stay the pilot's.
  const owner = world.service.as(world.credentials.user(job.VO, job.Owner, job.OwnerGroup));
  const setStatus = async (report: StatusReport) => {
    await crossNetwork(world, ctx);
    await client.setJobStatuses({
      [jobId]: { [isoAt(ctx.now())]: { Source: 'JobWrapper', ...report } },
    });
  };
  const finish = async (status: 'Done' | 'Failed', minor: string, application: string) => {
    await setStatus({ Status: status, MinorStatus: minor, ApplicationStatus: application });
    record(world, `job.${status.toLowerCase()}`, { job: jobId, minor });
    world.jobs.ended(jobId, status);
    return 'ended' as const;
  };

  await setStatus({ Status: 'Running', MinorStatus: 'Job Initialization' });
  record(world, 'job.running', { job: jobId, site: slot.queue.site, runner: slot.runner });

  await downloadSandboxes(world, owner, jobId, payload.inputSandbox);

  if (payload.inputData.length > 0 && !(await readInputData(world, owner, slot, job, payload, rng)))
    return finish('Failed', 'Input Data Resolution', 'Input data not available');

  // Execution under the watchdog: heartbeats until the work is done or the slot is lost.
  const wallS = payload.work / (slot.queue.cpuPower * Math.max(1, payload.processors));
  const startMs = ctx.now();
  const endMs = startMs + clockMs(world.timing, wallS);
  const crashMs =
    rng.next() < world.faults.nodeCrash ? startMs + rng.next() * (endMs - startMs) : Infinity;
  const lostMs = Math.min(crashMs, slot.wallEndMs);
  const heartbeatMs = clockMs(world.timing, world.timing.heartbeatS);
  for (;;) {
    const nextMs = Math.min(ctx.now() + heartbeatMs, endMs, lostMs);
    await ctx.sleep(nextMs - ctx.now());
    if (slot.killed?.() === true) {
      record(world, 'fault.slot-lost', { job: jobId, runner: slot.runner, reason: 'pilot killed' });
      return 'lost';
    }
    if (ctx.now() >= lostMs) {
      record(world, 'fault.slot-lost', {
        job: jobId,
        runner: slot.runner,
        reason: lostMs === crashMs ? 'node crash' : 'batch wall-clock limit',
      });
      return 'lost';
    }
    if (ctx.now() >= endMs) break;
    const elapsedS = ((ctx.now() - startMs) * world.timing.speedup) / 1000;
    await crossNetwork(world, ctx);
    const commands = await client.heartbeat({
      [jobId]: {
        CPUConsumed: Math.round(elapsedS * payload.processors),
        WallClockTime: Math.round(elapsedS),
        LoadAverage: payload.processors,
      },
    });
    if (commands.some((c) => c.job_id === jobId && c.command === 'Kill')) {
      record(world, 'job.killed', { job: jobId });
      world.jobs.ended(jobId, 'Killed');
      return 'ended';
    }
  }

  // A job of the lhcb-like workload carries its type's failure rate; others the run's.
  const { failureProbability } = payload;
  if (rng.next() < (failureProbability > 0 ? failureProbability : world.faults.payloadFailure)) {
    record(world, 'fault.payload', { job: jobId });
    return finish('Failed', 'Exception During Execution', 'Failed');
  }
  for (const file of payload.outputData) {
    const lfn = outputLfn(job.VO, job.Owner, jobId, file);
    if (!(await storeOutput(world, owner, slot, job, lfn, payload, rng)))
      return finish('Failed', 'Uploading Output Data', 'Failed');
  }
  return finish('Done', 'Execution Complete', 'Finished');
}

/**
 * Fetches the job's input sandboxes and lets their bytes go. Kept out of runPayload, whose
 * suspended frame lives as long as the job runs: a download held there (backed by 64 KiB
 * whatever the sandbox's size, as a heap snapshot showed) cost that much per running job,
 * gigabytes once a large grid runs a hundred thousand jobs at once.
 */
async function downloadSandboxes(
  world: SimWorld,
  owner: DiracxClient,
  jobId: number,
  pfns: readonly string[],
): Promise<void> {
  for (const pfn of pfns) {
    const bytes = await owner.downloadSandbox(pfn);
    record(world, 'sandbox.download', { job: jobId, bytes: bytes.byteLength });
  }
}

/** SEs to try, the site's own first (DIRAC's local SEs), each set in a drawn order. */
function seOrder(candidates: readonly string[], local: readonly string[], rng: Rng): string[] {
  const shuffled = (items: string[]) =>
    items
      .map((item) => ({ item, key: rng.next() }))
      .sort((a, b) => a.key - b.key)
      .map(({ item }) => item);
  const isLocal = new Set(local);
  return [
    ...shuffled(candidates.filter((se) => isLocal.has(se))),
    ...shuffled(candidates.filter((se) => !isLocal.has(se))),
  ];
}

async function readInputData(
  world: SimWorld,
  client: DiracxClient,
  slot: Slot,
  job: MatchedJobBody,
  payload: PayloadDescription,
  rng: Rng,
): Promise<boolean> {
  const jobId = job.JobID;
  const replicas = await world.catalog(client).getReplicas(payload.inputData);
  for (const lfn of payload.inputData) {
    const at = replicas.Successful[lfn] ?? {};
    let read = false;
    for (const se of seOrder(Object.keys(at).sort(), slot.queue.localSEs, rng)) {
      const element = world.storage.get(se);
      if (element === undefined) continue;
      try {
        const data = await element.get(lfn, job.VO);
        world.counters.transfers++;
        world.counters.transferBytes += data.byteLength;
        record(world, 'transfer.read', { job: jobId, lfn, se, bytes: data.byteLength });
        read = true;
        break;
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        record(world, 'fault.transfer', { job: jobId, lfn, se, reason: error.code });
      }
    }
    if (!read) {
      record(world, 'fault.input-data', { job: jobId, lfn });
      return false;
    }
  }
  return true;
}

async function storeOutput(
  world: SimWorld,
  client: DiracxClient,
  slot: Slot,
  job: MatchedJobBody,
  lfn: string,
  payload: PayloadDescription,
  rng: Rng,
): Promise<boolean> {
  const group = world.config.Resources.StorageElementGroups[payload.outputSE];
  const candidates = group ?? payload.outputSE.split(',').map((se) => se.trim());
  const data = new Uint8Array(payload.outputBytes);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(0, 255);
  for (const se of seOrder(candidates, slot.queue.localSEs, rng)) {
    const element = world.storage.get(se);
    if (element === undefined) continue;
    const failure = world.config.Resources.StorageElements[se]?.Simulation.FailureProbability ?? 0;
    try {
      if (rng.next() < failure) throw new StorageError('Unavailable', `${se} did not answer`);
      const stored = await element.put(lfn, data, job.VO);
      world.counters.transfers++;
      world.counters.transferBytes += stored.size;
      record(world, 'transfer.write', { job: job.JobID, lfn, se, bytes: stored.size });
      const registered = await world.catalog(client).addFiles({
        [lfn]: { PFN: stored.pfn, SE: se, Size: stored.size, Checksum: stored.checksum },
      });
      if (registered.Successful[lfn] === undefined) {
        record(world, 'fault.register', {
          job: job.JobID,
          lfn,
          reason: registered.Failed[lfn] ?? '',
        });
        continue;
      }
      record(world, 'catalog.register', { job: job.JobID, lfn, se });
      return true;
    } catch (error) {
      if (!(error instanceof StorageError)) throw error;
      record(world, 'fault.transfer', { job: job.JobID, lfn, se, reason: error.code });
    }
  }
  return false;
}
