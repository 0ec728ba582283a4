import type { FileCatalog } from '../client/index.ts';
import type { Config, Rng } from '../services/core/index.ts';
import {
  type JobTypeModel,
  LHCB_JOB_TYPES,
  drawJobType,
  drawWork,
  payloadArguments,
} from './job-types.ts';
import { loopTurn } from './engine/index.ts';
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
  /**
   * `uniform` (the default): User jobs of half an hour to four hours, no failures of their
   * own. `lhcb-like`: LHCb's job types (sim/job-types.ts) with their durations, I/O and
   * failure rates, production types submitted as parametric JDLs of 20 as DIRAC's
   * production system does.
   */
  workload?: 'uniform' | 'lhcb-like';
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

  if (options.workload === 'lhcb-like') {
    const requests = lhcbLikeRequests(world.config, owners, options, rng, sandboxes, dataset);
    for (const { owner, jdls } of requests) {
      const client = world.service.as(
        world.credentials.user(owner.vo, owner.username, owner.group),
      );
      for (const job of await client.submitJdl(jdls)) {
        world.jobs.submitted(job.JobID, owner.vo);
        record(world, 'job.submitted', { job: job.JobID, owner: owner.username });
      }
      options.progress?.(world.jobs.total);
      // In process, a submission never waits on I/O: without a turn, no progress line
      // (cli-progress draws on a timer) until the last job, minutes into a million.
      await loopTurn();
    }
    return;
  }

  // Every draw first, in job order, then the submissions owner by owner. What is kept in
  // between is each job's draws, not its JDL: a million JDLs held at once were 0.77 GB.
  const byOwner = new Map<JobOwner, UniformJob[]>();
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
    const job: UniformJob = {
      index: i,
      inputData: [...new Set(inputData)],
      ...drawUniformWork(rng),
    };
    const list = byOwner.get(owner) ?? [];
    list.push(job);
    byOwner.set(owner, list);
  }
  for (const owner of owners) {
    const jobs = byOwner.get(owner) ?? [];
    byOwner.delete(owner);
    const extra = { sandbox: sandboxes.get(owner)!, jobGroup: options.jobGroup };
    const client = world.service.as(world.credentials.user(owner.vo, owner.username, owner.group));
    for (let first = 0; first < jobs.length; first += BATCH) {
      const jdls = jobs
        .slice(first, first + BATCH)
        .map((job) => jobJdl(world.config, owner, job, extra));
      for (const job of await client.submitJdl(jdls)) {
        world.jobs.submitted(job.JobID, owner.vo);
        record(world, 'job.submitted', { job: job.JobID, owner: owner.username });
      }
      options.progress?.(world.jobs.total);
      await loopTurn();
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

/** A job of the uniform workload as drawn: its JDL is written when it is submitted. */
interface UniformJob {
  index: number;
  inputData: string[];
  /** HS06·s. */
  work: number;
  outputBytes: number;
}

/** Half an hour to four hours on a 10 HS06 core, and an output of 128 B to 2 KiB. */
function drawUniformWork(rng: Rng): { work: number; outputBytes: number } {
  const work = rng.int(1800, 14400) * 10;
  return { work, outputBytes: rng.int(128, 2048) };
}

function jobJdl(
  config: Config,
  owner: JobOwner,
  job: UniformJob,
  extra: { sandbox: string; jobGroup: string },
): string {
  const limits = config.Operations[owner.vo]?.JobDescription;
  const { index, work, inputData } = job;
  // The requirement leaves DIRAC's usual margin over the work.
  const cpuTime = Math.min(Math.round(work * 1.5), limits?.MaxCPUTime ?? 500000);
  const lines = [
    `JobName = "sim_${String(index).padStart(7, '0')}";`,
    `Executable = "gridbox-payload";`,
    `Arguments = "--work ${work} --output-bytes ${job.outputBytes}";`,
    `CPUTime = ${cpuTime};`,
    `JobGroup = "${extra.jobGroup}";`,
    `InputSandbox = {"${extra.sandbox}"};`,
    `OutputData = {"out.dat"};`,
    `OutputSE = "SE-USER";`,
  ];
  if (inputData.length > 0)
    lines.push(`InputData = {${inputData.map((lfn) => `"LFN:${lfn}"`).join(', ')}};`);
  return `[\n  ${lines.join('\n  ')}\n]`;
}

/** One submission request of the lhcb-like workload: whose, and its JDLs. */
interface WorkloadRequest {
  owner: JobOwner;
  jdls: string[];
}

/**
 * The lhcb-like workload's requests: each job an owner and a type drawn by weight (among
 * the types the owner's VO allows), its work, outputs and input files drawn for the type.
 * An owner's production jobs go as parametric JDLs of up to 20 jobs of one type (one
 * request each, as DIRAC's production system submits); User jobs as plain JDLs, 20 a
 * request. Each job's payload arguments are its own (a parameter sequence).
 */
function lhcbLikeRequests(
  config: Config,
  owners: readonly JobOwner[],
  options: WorkloadOptions,
  rng: Rng,
  sandboxes: ReadonlyMap<JobOwner, string>,
  dataset: ReadonlyMap<string, string[]>,
): WorkloadRequest[] {
  interface Drawn {
    index: number;
    model: JobTypeModel;
    arguments: string;
    work: number;
    inputs: string[];
  }
  const allowed = new Map<string, JobTypeModel[]>();
  const modelsOf = (vo: string) => {
    let models = allowed.get(vo);
    if (models === undefined) {
      const types = config.Operations[vo]?.JobDescription?.AllowedJobTypes ?? ['User'];
      models = LHCB_JOB_TYPES.filter((m) => types.includes(m.jobType));
      if (models.length === 0) models = LHCB_JOB_TYPES.filter((m) => m.jobType === 'User');
      allowed.set(vo, models);
    }
    return models;
  };
  const byOwnerAndType = new Map<JobOwner, Map<string, Drawn[]>>();
  for (let index = 0; index < options.jobs; index++) {
    const owner = owners[rng.int(0, owners.length - 1)]!;
    const model = drawJobType(modelsOf(owner.vo), rng);
    const work = drawWork(model, rng);
    const files = dataset.get(owner.vo) ?? [];
    const inputs =
      files.length === 0
        ? []
        : Array.from({ length: model.inputFiles }, () => files[rng.int(0, files.length - 1)]!);
    const drawn: Drawn = {
      index,
      model,
      work,
      inputs,
      arguments: payloadArguments({
        work,
        outputBytes: rng.int(model.outputBytes[0], model.outputBytes[1]),
        failureProbability: model.failureProbability,
      }),
    };
    let types = byOwnerAndType.get(owner);
    if (types === undefined) byOwnerAndType.set(owner, (types = new Map()));
    types.set(model.jobType, [...(types.get(model.jobType) ?? []), drawn]);
  }
  const quoted = (values: readonly string[]) => `{${values.map((v) => `"${v}"`).join(', ')}}`;
  const requests: WorkloadRequest[] = [];
  for (const owner of owners) {
    const maxCpuTime = config.Operations[owner.vo]?.JobDescription?.MaxCPUTime ?? 500000;
    const common = (jobType: string, works: readonly number[]) => [
      `Executable = "gridbox-payload";`,
      `JobType = "${jobType}";`,
      `CPUTime = ${Math.min(Math.round(Math.max(...works) * 1.5), maxCpuTime)};`,
      `JobGroup = "${options.jobGroup}";`,
      `InputSandbox = {"${sandboxes.get(owner)!}"};`,
      `OutputData = {"out.dat"};`,
      `OutputSE = "SE-USER";`,
    ];
    for (const [jobType, jobs] of byOwnerAndType.get(owner) ?? []) {
      for (let first = 0; first < jobs.length; first += BATCH) {
        const batch = jobs.slice(first, first + BATCH);
        if (jobType === 'User') {
          requests.push({
            owner,
            jdls: batch.map((job) => {
              const lines = [
                `JobName = "sim_${String(job.index).padStart(7, '0')}";`,
                `Arguments = "${job.arguments}";`,
                ...common(jobType, [job.work]),
              ];
              if (job.inputs.length > 0)
                lines.push(`InputData = ${quoted(job.inputs.map((lfn) => `LFN:${lfn}`))};`);
              return `[\n  ${lines.join('\n  ')}\n]`;
            }),
          });
          continue;
        }
        const inputCount = batch[0]!.inputs.length;
        const lines = [
          `Parameters.name = ${quoted(batch.map((job) => String(job.index).padStart(7, '0')))};`,
          `Parameters.args = ${quoted(batch.map((job) => job.arguments))};`,
          ...Array.from(
            { length: inputCount },
            (_, f) => `Parameters.in${f} = ${quoted(batch.map((job) => job.inputs[f]!))};`,
          ),
          `JobName = "sim_%(name)s";`,
          `Arguments = "%(args)s";`,
          ...common(
            jobType,
            batch.map((job) => job.work),
          ),
        ];
        if (inputCount > 0)
          lines.push(
            `InputData = ${quoted(Array.from({ length: inputCount }, (_, f) => `LFN:%(in${f})s`))};`,
          );
        requests.push({ owner, jdls: [`[\n  ${lines.join('\n  ')}\n]`] });
      }
    }
  }
  return requests;
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
