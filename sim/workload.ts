import type { FileCatalog } from '../client/index.ts';
import type { Config, Rng } from '../services/core/index.ts';
import { type SimWorld, record } from './world.ts';

/** Someone who submits jobs: a user of a VO acting in one of their groups. */
export interface JobOwner {
  vo: string;
  username: string;
  group: string;
}

export interface WorkloadOptions {
  jobs: number;
  owners: readonly JobOwner[];
  /** Tags this run's jobs (their JobGroup), so the run's agents only touch its own jobs. */
  jobGroup: string;
  /** Share of jobs that read input data (1–2 files from a dataset made for the run). */
  inputDataFraction?: number;
  /** Told the number of jobs submitted so far, after each request. */
  progress?: (submitted: number) => void;
}

/** Jobs per submission request: DiracX lets a normal user submit at most 20 at once. */
const BATCH = 20;
/** Owners active in one run: enough to spread shares, few enough for one sandbox each. */
const MAX_OWNERS = 100;

/**
 * Prepares and submits a run's jobs the way users do: a dataset uploaded to disk SEs and
 * registered in the catalog, one input sandbox per owner, then JDLs submitted in batches.
 * Each job's payload (its modelled work and output size) is written in its Arguments, so a
 * pilot that only sees the JDL can run it, against gridbox or a real DiracX alike.
 */
export async function submitWorkload(world: SimWorld, options: WorkloadOptions): Promise<void> {
  const rng = world.rng.fork('workload');
  const owners = pickOwners(options.owners, rng);
  const dataset = await uploadDataset(world, owners, options, rng.fork('dataset'));
  const sandboxes = new Map<JobOwner, string>();
  for (const owner of owners) {
    const client = world.service.as(world.credentials.user(owner.vo, owner.username, owner.group));
    const tarball = new Uint8Array(2048);
    for (let i = 0; i < tarball.length; i++) tarball[i] = rng.int(0, 255);
    sandboxes.set(owner, await client.uploadSandbox(tarball));
  }

  const byOwner = new Map<JobOwner, string[]>();
  for (let i = 0; i < options.jobs; i++) {
    const owner = owners[rng.int(0, owners.length - 1)]!;
    const inputs = dataset.get(owner.vo) ?? [];
    const wantsData = inputs.length > 0 && rng.next() < (options.inputDataFraction ?? 0.3);
    const inputData = wantsData
      ? [
          inputs[rng.int(0, inputs.length - 1)]!,
          ...(rng.next() < 0.5 ? [inputs[rng.int(0, inputs.length - 1)]!] : []),
        ]
      : [];
    const jdl = jobJdl(world.config, owner, i, rng, {
      sandbox: sandboxes.get(owner)!,
      inputData: [...new Set(inputData)],
      jobGroup: options.jobGroup,
    });
    const list = byOwner.get(owner) ?? [];
    list.push(jdl);
    byOwner.set(owner, list);
  }
  for (const owner of owners) {
    const jdls = byOwner.get(owner) ?? [];
    const client = world.service.as(world.credentials.user(owner.vo, owner.username, owner.group));
    for (let first = 0; first < jdls.length; first += BATCH) {
      for (const job of await client.submitJdl(jdls.slice(first, first + BATCH))) {
        world.jobs.submitted(job.JobID, owner.vo);
        record(world, 'job.submitted', { job: job.JobID, owner: owner.username });
      }
      options.progress?.(world.jobs.total);
    }
  }
}

function pickOwners(owners: readonly JobOwner[], rng: Rng): JobOwner[] {
  if (owners.length === 0) throw new Error('a workload needs at least one job owner');
  return owners
    .map((owner) => ({ owner, key: rng.next() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, MAX_OWNERS)
    .map(({ owner }) => owner);
}

function jobJdl(
  config: Config,
  owner: JobOwner,
  index: number,
  rng: Rng,
  extra: { sandbox: string; inputData: string[]; jobGroup: string },
): string {
  const limits = config.Operations[owner.vo]?.JobDescription;
  // Half an hour to four hours on a 10 HS06 core; the requirement leaves DIRAC's usual margin.
  const work = rng.int(1800, 14400) * 10;
  const cpuTime = Math.min(Math.round(work * 1.5), limits?.MaxCPUTime ?? 500000);
  const lines = [
    `JobName = "sim_${String(index).padStart(7, '0')}";`,
    `Executable = "gridbox-payload";`,
    `Arguments = "--work ${work} --output-bytes ${rng.int(128, 2048)}";`,
    `CPUTime = ${cpuTime};`,
    `JobGroup = "${extra.jobGroup}";`,
    `InputSandbox = {"${extra.sandbox}"};`,
    `OutputData = {"out.dat"};`,
    `OutputSE = "SE-USER";`,
  ];
  if (extra.inputData.length > 0)
    lines.push(`InputData = {${extra.inputData.map((lfn) => `"LFN:${lfn}"`).join(', ')}};`);
  return `[\n  ${lines.join('\n  ')}\n]`;
}

/** Per VO, input files on one or two disk SEs each, registered in the catalog. */
async function uploadDataset(
  world: SimWorld,
  owners: readonly JobOwner[],
  options: WorkloadOptions,
  rng: Rng,
): Promise<Map<string, string[]>> {
  const dataset = new Map<string, string[]>();
  if ((options.inputDataFraction ?? 0.3) === 0) return dataset;
  const disks = world.config.Resources.StorageElementGroups['SE-USER'] ?? [];
  const files = Math.min(1000, Math.max(10, Math.ceil(options.jobs / 20)));
  for (const vo of [...new Set(owners.map((o) => o.vo))].sort()) {
    const usable = disks.filter((se) => {
      const config = world.config.Resources.StorageElements[se];
      return (
        world.storage.has(se) &&
        config !== undefined &&
        config.WriteAccess !== 'Banned' &&
        config.ReadAccess !== 'Banned' &&
        (config.VO.length === 0 || config.VO.includes(vo))
      );
    });
    if (usable.length === 0) continue;
    const catalog = world.catalog(world.service.as(world.credentials.admin(vo)));
    const lfns: string[] = [];
    for (let i = 0; i < files; i++) {
      const lfn = `/${vo}/sim/${options.jobGroup}/input/f${String(i).padStart(5, '0')}.dat`;
      const data = new Uint8Array(rng.int(512, 4096));
      for (let b = 0; b < data.length; b++) data[b] = rng.int(0, 255);
      const copies = rng.next() < 0.5 ? 2 : 1;
      const ses = usable
        .map((se) => ({ se, key: rng.next() }))
        .sort((a, b) => a.key - b.key)
        .slice(0, copies)
        .map(({ se }) => se);
      for (const [n, se] of ses.entries())
        await placeReplica(world, catalog, { lfn, data, vo, se, first: n === 0 });
      lfns.push(lfn);
    }
    dataset.set(vo, lfns);
  }
  return dataset;
}

/**
 * Puts a dataset file on an SE and registers it: the file with its first replica, a
 * replica for the next ones. A refusal from the catalog ends the run: input data that is
 * not where the catalog says would fail jobs for the wrong reason.
 */
export async function placeReplica(
  world: SimWorld,
  catalog: FileCatalog,
  file: { lfn: string; data: Uint8Array; vo: string; se: string; first: boolean },
): Promise<void> {
  const { lfn, se } = file;
  const stored = await world.storage.get(se)!.put(lfn, file.data, file.vo);
  world.counters.transfers++;
  world.counters.transferBytes += stored.size;
  record(world, 'transfer.write', { lfn, se, bytes: stored.size });
  const entry = { PFN: stored.pfn, SE: se };
  const result = file.first
    ? await catalog.addFiles({ [lfn]: { ...entry, Size: stored.size, Checksum: stored.checksum } })
    : await catalog.addReplicas({ [lfn]: entry });
  if (result.Failed[lfn] !== undefined)
    throw new Error(`the catalog refused ${lfn} at ${se}: ${result.Failed[lfn]}`);
  record(world, 'catalog.register', { lfn, se });
}
