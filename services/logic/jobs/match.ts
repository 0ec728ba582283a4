import { type Clock, type Config, InvalidRequestError, type Rng } from '../../core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type PilotAgentsDB,
  type ResourceStatusDB,
  type TaskQueueDB,
  type TaskQueueDefinition,
  toSqlDateTime,
} from '../../db/index.ts';
import { isAnyValue } from './any-value.ts';
import type { MatchCache, VoSnapshot } from './match-cache.ts';
import {
  type NegativeCondition,
  hasLimits,
  isExcluded,
  isExcludedEverywhere,
} from './match-limits.ts';

/** One value or several, as DIRAC takes each of a resource's multi-valued fields. */
export type OneOrMany = string | readonly string[];

/**
 * What a pilot says about the slot it offers (the JobAgent's resource description). Only
 * CPUTime is required, as in DIRAC's TaskQueueDB. Site, GridCE, Platform and JobType
 * restrict nothing when absent, empty or ANY (in any spelling, or among a list).
 */
export interface ResourceDescription {
  VO: string;
  /** The slot's site, or the sites it stands for (a job must accept one and not ban all). */
  Site?: OneOrMany | undefined;
  GridCE?: OneOrMany | undefined;
  Queue?: string | undefined;
  /** The platform, or the compatible platforms, of the worker node. */
  Platform?: OneOrMany | undefined;
  /** A list, or DIRAC's string form `"[a, b]"` / `"a, b"`. */
  Tag?: OneOrMany | undefined;
  RequiredTag?: OneOrMany | undefined;
  /** HS06 seconds the slot can still give. */
  CPUTime: number;
  NumberOfProcessors?: number | undefined;
  /** Megabytes. */
  MaxRAM?: number | undefined;
  WholeNode?: boolean | undefined;
  /** Groups the pilot serves; every group of its VO when absent (a generic pilot). */
  OwnerGroup?: OneOrMany | undefined;
  JobType?: OneOrMany | undefined;
  PilotStamp?: string | undefined;
}

/** What a pilot needs to run the job it got. */
export interface MatchedJob {
  JobID: number;
  JDL: string;
  Owner: string;
  OwnerGroup: string;
  VO: string;
}

export interface MatchDeps {
  jobDb: JobDB;
  jobLoggingDb: JobLoggingDB;
  taskQueueDb: TaskQueueDB;
  pilotAgentsDb: PilotAgentsDB;
  resourceStatusDb: ResourceStatusDB;
  config: Config;
  clock: Clock;
  rng: Rng;
  /** What the app read lately of each VO's queues and site mask. */
  cache: MatchCache;
}

/** DIRAC tries this many matching queues, and this many jobs in each, per request. */
const QUEUES_PER_MATCH = 10;
const CLAIMS_PER_QUEUE = 3;
/** Jobs are drawn among this many of the lowest ids in a queue. */
const JOB_WINDOW = 50;

/**
 * Which DIRAC layer reads the description. `Matcher` is Matcher.selectJob (a pilot asking
 * for a job): a RequiredTag counts only when the description gives Tag. `TaskQueueDB` is
 * getMatchingTaskQueues: RequiredTag is taken as given.
 */
export type MatchLayer = 'Matcher' | 'TaskQueueDB';

/**
 * A resource description as TaskQueueDB compares it with task queues. An undefined field
 * restricts nothing.
 */
export interface MatchConditions {
  vo: string;
  cpuTime: number;
  /** Groups whose queues may match; every group of the VO when undefined. */
  groups: readonly string[] | undefined;
  sites: readonly string[] | undefined;
  gridCEs: readonly string[] | undefined;
  platforms: readonly string[] | undefined;
  jobTypes: readonly string[] | undefined;
  /** Every tag of a queue must be among these. */
  tags: ReadonlySet<string> | undefined;
  /** A queue must hold every one of these tags. */
  requiredTags: readonly string[];
}

const listFrom = (value: OneOrMany | undefined): readonly string[] | undefined =>
  value === undefined ? undefined : typeof value === 'string' ? [value] : value;

/** Site, GridCE, Platform, JobType: absent, empty or ANY restrict nothing. */
function restriction(value: OneOrMany | undefined): readonly string[] | undefined {
  const values = listFrom(value);
  if (values === undefined || values.length === 0 || values.some(isAnyValue)) return undefined;
  if (typeof value === 'string' && value === '') return undefined;
  return values;
}

/** DIRAC's Matcher reads a string of tags as a comma-separated list, brackets and quotes aside. */
function tagList(value: OneOrMany): string[] {
  if (typeof value !== 'string') return [...value];
  const inner = value.trim().replace(/^\[+|\]+$/g, '');
  return [...new Set(inner.split(',').map((tag) => tag.replace(/^["' ]+|["' ]+$/g, '')))];
}

/** The tags a slot's processors, memory and WholeNode imply, as DIRAC's Matcher adds them. */
function impliedTags(resource: ResourceDescription): string[] {
  const tags: string[] = [];
  const processors = resource.NumberOfProcessors ?? 1;
  for (let n = 2; n <= processors; n++) tags.push(`${n}Processors`);
  const gigabytes = Math.floor((resource.MaxRAM ?? 0) / 1000);
  if (gigabytes <= 1024) for (let g = 2; g <= gigabytes; g++) tags.push(`${g}GB`);
  if (processors > 1) tags.push('MultiProcessor');
  if (resource.WholeNode === true) tags.push('WholeNode');
  return tags;
}

/** The tags a resource offers: its own, plus those its processors, memory and WholeNode imply. */
export function resourceTags(resource: ResourceDescription): Set<string> {
  return new Set([
    ...(resource.Tag === undefined ? [] : tagList(resource.Tag)),
    ...impliedTags(resource),
  ]);
}

/**
 * The description as `layer` reads it. Throws InvalidRequestError for what TaskQueueDB
 * refuses as "Wrong conditions": a RequiredTag that the slot does not also offer as a Tag.
 */
export function matchConditions(resource: ResourceDescription, layer: MatchLayer): MatchConditions {
  // 1. The tags on offer. The Matcher adds implied tags even when the pilot sends no Tag.
  const implied = impliedTags(resource);
  const hasTag = resource.Tag !== undefined || implied.length > 0;
  const offered = hasTag ? [...resourceTags(resource)] : [];
  // 2. RequiredTag: the Matcher drops it when the description has no Tag of its own.
  const required =
    resource.RequiredTag === undefined || (layer === 'Matcher' && resource.Tag === undefined)
      ? undefined
      : tagList(resource.RequiredTag);
  // 3. TaskQueueDB: no Tag at all means "only queues without tags", unless a RequiredTag
  // was given (then tags are not compared); a Tag of ANY compares nothing.
  let tags: ReadonlySet<string> | undefined;
  if (hasTag) tags = offered.some(isAnyValue) ? undefined : new Set(offered);
  else tags = required === undefined ? new Set() : undefined;
  let requiredTags: readonly string[] = [];
  if (required !== undefined && required.length > 0 && !required.some(isAnyValue)) {
    const missing = required.filter((tag) => !offered.includes(tag));
    if (missing.length > 0)
      throw new InvalidRequestError(
        `Wrong conditions: a RequiredTag must also be offered in Tag (not offered: ${missing.join(', ')})`,
      );
    requiredTags = required;
  }
  return {
    vo: resource.VO,
    cpuTime: resource.CPUTime,
    groups: listFrom(resource.OwnerGroup),
    sites: restriction(resource.Site),
    gridCEs: restriction(resource.GridCE),
    platforms: restriction(resource.Platform),
    jobTypes: restriction(resource.JobType),
    tags,
    requiredTags,
  };
}

/** A queue's set allows the slot's values: either side restricts nothing, or one value in common. */
function allows(set: readonly string[], values: readonly string[] | undefined): boolean {
  if (values === undefined || set.length === 0) return true;
  for (const value of values) if (set.includes(value)) return true;
  return false;
}

/**
 * DIRAC's TaskQueueDB match of a task queue against a resource: CPU time, group and VO;
 * Site, GridCE, Platform and JobType when both sides restrict them (one value in common);
 * a queue banning every site the slot stands for; every queue tag offered; every required
 * tag present in the queue.
 */
export function queueMatches(tq: TaskQueueDefinition, slot: MatchConditions): boolean {
  if (tq.vo !== slot.vo || tq.cpuTime > slot.cpuTime) return false;
  if (slot.groups !== undefined && !slot.groups.includes(tq.ownerGroup)) return false;
  if (
    !allows(tq.sites, slot.sites) ||
    !allows(tq.gridCEs, slot.gridCEs) ||
    !allows(tq.platforms, slot.platforms) ||
    !allows(tq.jobTypes, slot.jobTypes)
  )
    return false;
  if (slot.sites?.every((site) => tq.bannedSites.includes(site)) === true) return false;
  if (slot.tags !== undefined && !tq.tags.every((tag) => slot.tags!.has(tag))) return false;
  return slot.requiredTags.every((tag) => tq.tags.includes(tag));
}

/**
 * The first `count` of `items` in DIRAC's rand()/priority order: each drawn with probability
 * proportional to `weight`. Only the few a match can try are ordered. Items `isEligible`
 * refuses draw nothing, as if they were not in the list. Runs on every match over every
 * queue a slot could use (hundreds), so it keeps two arrays rather than an object per item.
 */
function weightedFirst<T>(
  items: readonly T[],
  weight: (item: T) => number,
  count: number,
  rng: Rng,
  isEligible?: (item: T) => boolean,
): T[] {
  const first: T[] = [];
  const keys: number[] = [];
  for (const item of items) {
    if (isEligible !== undefined && !isEligible(item)) continue;
    const key = rng.next() / Math.max(weight(item), 1e-9);
    let at = first.length;
    if (at === count) {
      if (key >= keys[count - 1]!) continue;
      at--;
    }
    // Insertion after any equal key: the earlier item stays first.
    for (; at > 0 && keys[at - 1]! > key; at--) {
      keys[at] = keys[at - 1]!;
      first[at] = first[at - 1]!;
    }
    keys[at] = key;
    first[at] = item;
  }
  return first;
}

/**
 * Gives the pilot at most one job, as DIRAC's Matcher does, with the claim made by the
 * database: a job leaves its task queue in one DELETE that only one caller can win, so a
 * job is matched once however many pilots (or replicas) ask at the same time.
 * The job becomes Matched/Assigned at the pilot's site, the pilot is recorded as running
 * it, and a queue left empty is deleted.
 */
export async function matchJob(
  deps: MatchDeps,
  resource: ResourceDescription,
): Promise<MatchedJob | undefined> {
  const kind = slotKind(deps.cache, resource, 'Matcher');
  const slot = { ...kind.conditions, cpuTime: resource.CPUTime, pilotStamp: resource.PilotStamp };
  const registry = deps.config.Registry[resource.VO];
  if (registry === undefined) return undefined;
  const voGroups = Object.keys(registry.Groups);
  // DIRAC's Limiter speaks for the one site (and CE) a pilot names. A VO without limits
  // skips it altogether.
  const site =
    slot.sites?.length === 1 && hasLimits(deps.config, resource.VO) ? slot.sites[0] : undefined;
  const gridCE = slot.gridCEs?.length === 1 ? slot.gridCEs[0] : undefined;
  const negative =
    site === undefined
      ? undefined
      : await deps.cache.limits.forSite(deps, resource.VO, site, gridCE);
  // The queues and site mask as this app last changed them (see MatchCache): a slot that
  // no queue of them can serve is answered without reading the database.
  const snapshot = await deps.cache.snapshot(deps, resource.VO);
  const matched = await matchIn(deps, voGroups, snapshot, kind.key, slot, negative);
  if (matched !== undefined && site !== undefined)
    await deps.cache.limits.noteMatch(deps, resource.VO, site, matched.JobID);
  return matched;
}

async function matchIn(
  deps: MatchDeps,
  voGroups: readonly string[],
  snapshot: VoSnapshot,
  kindKey: string,
  slot: MatchConditions & { pilotStamp?: string | undefined },
  negative: NegativeCondition | undefined,
): Promise<MatchedJob | undefined> {
  const { cpuTime } = slot;
  const { emptied } = snapshot;
  const drawn = weightedFirst(
    kindQueues(snapshot, voGroups, kindKey, slot, negative),
    (q) => q.priority,
    QUEUES_PER_MATCH,
    deps.rng,
    (tq) => tq.cpuTime <= cpuTime && !emptied.has(tq.tqId),
  );
  for (const tq of drawn) {
    const jobs = await deps.taskQueueDb.queueJobs(tq.tqId, JOB_WINDOW);
    if (jobs.length === 0) {
      // Emptied by claims that each saw other jobs left (below): deleted by whoever finds it.
      await deps.cache.dropIfEmpty(deps, snapshot, tq);
      snapshot.emptied.add(tq.tqId);
      continue;
    }
    // The jobs the read saw that nobody has been seen taking since.
    let seenLeft = jobs.length;
    for (const job of weightedFirst(jobs, (j) => j.realPriority, CLAIMS_PER_QUEUE, deps.rng)) {
      seenLeft--;
      if (!(await deps.taskQueueDb.claimJob(tq.tqId, job.jobId))) continue;
      const matched = await assign(deps, slot, tq, job.jobId);
      // A queue is deleted once empty, as DIRAC's matcher does after each match; looking
      // costs a statement per match, and is needed only when this claim may have taken the
      // last job.
      if (seenLeft === 0) await deps.cache.dropIfEmpty(deps, snapshot, tq);
      if (matched !== undefined) return matched;
    }
  }
  return undefined;
}

/**
 * The snapshot's queues that could give the slot a job, the site mask applied, and the
 * per-site limits: one negative condition (a pilot's site), or one per site (any site).
 * `kindKey` identifies the slot's description but for CPU time (see slotKind).
 */
function queuesFor(
  snapshot: VoSnapshot,
  voGroups: readonly string[],
  kindKey: string,
  slot: MatchConditions,
  negative: NegativeCondition | readonly NegativeCondition[] | undefined,
): TaskQueueDefinition[] {
  const { cpuTime } = slot;
  const { emptied } = snapshot;
  return kindQueues(snapshot, voGroups, kindKey, slot, negative).filter(
    (tq) => tq.cpuTime <= cpuTime && !emptied.has(tq.tqId),
  );
}

/**
 * queuesFor before CPU time and the queues found empty are looked at: the memoised list of
 * the slot's kind, shared by the requests of that kind until the snapshot is read again.
 */
function kindQueues(
  snapshot: VoSnapshot,
  voGroups: readonly string[],
  kindKey: string,
  slot: MatchConditions,
  negative: NegativeCondition | readonly NegativeCondition[] | undefined,
): readonly TaskQueueDefinition[] {
  // The limits change at most every few seconds: a slot kept out of the same values is the
  // same kind of slot, so the filtered list is memoised with them.
  const key = negative === undefined ? kindKey : `${kindKey}${JSON.stringify(negative)}`;
  let queues = snapshot.bySlot.get(key);
  if (queues === undefined) {
    // DIRAC's site mask: a site the RSS does not allow (anything but Active or Degraded)
    // only gets Test jobs. A slot standing for several sites is masked when one of them is.
    const isUsable = (site: string) => {
      const status = snapshot.siteStatuses.get(site)?.status ?? 'Active';
      return status === 'Active' || status === 'Degraded';
    };
    const masked = slot.sites !== undefined && !slot.sites.every(isUsable);
    const anyTime = {
      ...slot,
      cpuTime: Infinity,
      groups: slot.groups ?? voGroups,
      ...(masked ? { jobTypes: ['Test'] } : {}),
    };
    const isOut =
      negative === undefined
        ? () => false
        : Array.isArray(negative)
          ? (tq: TaskQueueDefinition) => isExcludedEverywhere(tq, negative)
          : (tq: TaskQueueDefinition) => isExcluded(tq, negative as NegativeCondition);
    queues = snapshot.queues.filter((tq) => queueMatches(tq, anyTime) && !isOut(tq));
    if (snapshot.bySlot.size < SLOT_KINDS_PER_SNAPSHOT) snapshot.bySlot.set(key, queues);
  }
  return queues;
}

/** Bounds the memo of a snapshot, whatever the variety of slots asking within its life. */
const SLOT_KINDS_PER_SNAPSHOT = 10_000;

/** A kind of slot: what a description says for matching, CPU time aside. */
export interface SlotKind {
  /** Identifies the description, CPU time and pilot aside. */
  readonly key: string;
  /** matchConditions of the description; its cpuTime is that of the first to ask. */
  readonly conditions: Readonly<MatchConditions>;
}

/**
 * The conditions of a description, read once per kind of slot: pilots of one site and
 * kind send the same description but for CPU time, and reading tags and lists anew on
 * every request was a good part of a match's CPU. A description TaskQueueDB refuses is
 * refused again each time.
 */
export function slotKind(
  cache: MatchCache,
  resource: ResourceDescription,
  layer: MatchLayer,
): SlotKind {
  const key = JSON.stringify([
    layer,
    resource.VO,
    resource.Site,
    resource.GridCE,
    resource.Platform,
    resource.JobType,
    resource.Tag,
    resource.RequiredTag,
    resource.NumberOfProcessors,
    resource.MaxRAM,
    resource.WholeNode,
    resource.OwnerGroup,
  ]);
  let kind = cache.slotKinds.get(key);
  if (kind === undefined) {
    // Not frozen: copying a frozen object's fields, as each request does, takes V8's slow path.
    kind = { key, conditions: matchConditions(resource, layer) };
    cache.rememberSlotKind(kind);
  }
  return kind;
}

/** A task queue a slot could draw from, with its jobs now (DIRAC's getMatchingTaskQueues). */
export interface MatchingQueue {
  TaskQueueID: number;
  Jobs: number;
  OwnerGroup: string;
  CPUTime: number;
  Priority: number;
}

/**
 * The task queues that could give a job to a slot described by `resource`, as DIRAC's
 * SiteDirector asks before submitting pilots there: same rules as a match, nothing
 * claimed. Read through the matcher's short-lived snapshot; the counts are current.
 */
export async function matchingQueues(
  deps: MatchingQueuesDeps,
  resource: ResourceDescription,
): Promise<MatchingQueue[]> {
  const [queues] = await matchingQueuesOfSlots(deps, [resource]);
  return queues!;
}

type MatchingQueuesDeps = Pick<
  MatchDeps,
  'config' | 'cache' | 'taskQueueDb' | 'resourceStatusDb' | 'clock' | 'jobDb'
>;

/**
 * `matchingQueues` for many slots at once, answered in their order: a SiteDirector cycle
 * asks for every queue it serves in one go, and the jobs of the queues they share are
 * counted once.
 */
export async function matchingQueuesOfSlots(
  deps: MatchingQueuesDeps,
  resources: readonly ResourceDescription[],
): Promise<MatchingQueue[][]> {
  const perSlot: TaskQueueDefinition[][] = [];
  for (const resource of resources) perSlot.push(await slotQueues(deps, resource));
  const counts = await deps.taskQueueDb.jobCounts([
    ...new Set(perSlot.flatMap((queues) => queues.map((tq) => tq.tqId))),
  ]);
  return perSlot.map((queues) =>
    queues
      .filter((tq) => counts.has(tq.tqId))
      .sort((a, b) => a.tqId - b.tqId)
      .map((tq) => ({
        TaskQueueID: tq.tqId,
        Jobs: counts.get(tq.tqId)!,
        OwnerGroup: tq.ownerGroup,
        CPUTime: tq.cpuTime,
        Priority: tq.priority,
      })),
  );
}

/** The queues a slot could draw from, by the matcher's rules, before counting their jobs. */
async function slotQueues(
  deps: MatchingQueuesDeps,
  resource: ResourceDescription,
): Promise<TaskQueueDefinition[]> {
  const kind = slotKind(deps.cache, resource, 'TaskQueueDB');
  const slot = { ...kind.conditions, cpuTime: resource.CPUTime };
  const registry = deps.config.Registry[resource.VO];
  if (registry === undefined) return [];
  // DIRAC's MatcherHandler: the limits of the site a slot names as one string (and of its
  // CE), otherwise those of every site at once.
  const gridCE = typeof resource.GridCE === 'string' ? slot.gridCEs?.[0] : undefined;
  let negative: NegativeCondition | NegativeCondition[] | undefined;
  if (!hasLimits(deps.config, resource.VO)) negative = undefined;
  else if (typeof resource.Site !== 'string') {
    const conditions = await deps.cache.limits.forAllSites(deps, resource.VO);
    negative = conditions.length === 0 ? undefined : conditions;
  } else if (slot.sites !== undefined)
    negative = await deps.cache.limits.forSite(deps, resource.VO, slot.sites[0]!, gridCE);
  const snapshot = await deps.cache.snapshot(deps, resource.VO);
  return queuesFor(snapshot, Object.keys(registry.Groups), kind.key, slot, negative);
}

/**
 * Hands a claimed job to the pilot; undefined when it was no longer Waiting (then it is
 * dropped). The change is the one setJobStatuses makes for the Matcher's report (no
 * heartbeat, start or end time for Matched), made only if the job is still Waiting.
 */
async function assign(
  deps: MatchDeps,
  slot: MatchConditions & { pilotStamp?: string | undefined },
  tq: TaskQueueDefinition,
  jobId: number,
): Promise<MatchedJob | undefined> {
  const nowMs = deps.clock.nowMs();
  const time = toSqlDateTime(nowMs);
  // The job's site: the slot's, or the first of the slot's sites the job accepts. A slot
  // naming no site (or ANY) leaves the job's Site as submission set it.
  const site = slot.sites?.find(
    (s) => (tq.sites.length === 0 || tq.sites.includes(s)) && !tq.bannedSites.includes(s),
  );
  const isAssigned = await deps.jobDb.setAttributesIfStatus(jobId, 'Waiting', {
    Status: 'Matched',
    MinorStatus: 'Assigned',
    ApplicationStatus: 'Unknown',
    ...(site === undefined ? {} : { Site: site }),
    LastUpdateTime: time,
  });
  if (!isAssigned) return undefined;
  await deps.jobLoggingDb.insertRecords([
    {
      jobId,
      status: 'Matched',
      minorStatus: 'Assigned',
      applicationStatus: 'Unknown',
      source: 'Matcher',
      timeMs: nowMs,
    },
  ]);
  if (slot.pilotStamp !== undefined)
    await deps.pilotAgentsDb.recordMatch(slot.pilotStamp, jobId, time);
  const job = await deps.jobDb.getOwnerAndJdl(jobId);
  if (job === undefined) throw new Error(`Job ${jobId} vanished while it was being matched`);
  return { JobID: jobId, JDL: job.jdl, Owner: job.owner, OwnerGroup: job.ownerGroup, VO: job.vo };
}
