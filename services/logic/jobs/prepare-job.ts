import {
  type Config,
  InvalidRequestError,
  type JdlRecord,
  type JdlValue,
  jdlList,
  jdlNumber,
  jdlString,
} from '../../core/index.ts';
import type { TaskQueueKey } from '../../db/index.ts';
import { isAnyValue } from './any-value.ts';
import { booleanOf, integerOf, listOf, stringOf } from './jdl-values.ts';

/** Who submits: owner, group and VO always come from the token, never from the JDL. */
export interface Submitter {
  preferred_username: string;
  dirac_group: string;
  vo: string;
}

/** A validated job, ready for JobDB and, once through the optimizers, the task queue. */
export interface PreparedJob {
  /** The JDL as stored: owner fields from the token, defaults filled in, JobRequirements added. */
  jdl: JdlRecord;
  jobType: string;
  jobGroup: string;
  jobName: string;
  /** The Jobs.Site attribute: ANY, the one site, or Multiple. */
  site: string;
  priority: number;
  inputData: string[];
  requirements: Omit<TaskQueueKey, 'owner' | 'ownerGroup' | 'vo'>;
}

const LOG_LEVELS = [
  'ALWAYS',
  'NOTICE',
  'INFO',
  'VERBOSE',
  'DEBUG',
  'WARN',
  'WARNING',
  'ERROR',
  'FATAL',
];
const MAX_PROCESSORS = 1024;

const invalid = (message: string) => new InvalidRequestError(`Invalid JDL: ${message}`);

/** Whether a site is configured under any grid. Looked up, not gathered: it runs per job. */
function isKnownSite(config: Config, site: string): boolean {
  for (const sites of Object.values(config.Resources.Sites))
    if (Object.hasOwn(sites, site)) return true;
  return false;
}

/**
 * The platforms a job asking for `requested` can run on, as DIRAC's getDIRACPlatform stores
 * them: every platform whose OSCompatibility list holds a requested one, itself included.
 * A list says what a platform's worker nodes can run, so a job for an older platform may
 * go to a newer one, never the other way. ANY (DIRAC's Job API never writes it) asks for
 * nothing; each other value must be a configured platform.
 */
function compatiblePlatforms(config: Config, requested: readonly string[]): string[] {
  const compatibility = config.Resources.Computing.OSCompatibility;
  const wanted = requested.filter((p) => p.trim() !== '' && !isAnyValue(p));
  const unknown = wanted.find((p) => compatibility[p] === undefined);
  if (unknown !== undefined) throw invalid(`Platform ${unknown} is not a known platform`);
  if (wanted.length === 0) return [];
  return Object.entries(compatibility)
    .filter(([platform, runs]) => wanted.some((p) => p === platform || runs.includes(p)))
    .map(([platform]) => platform)
    .sort();
}

function processors(record: JdlRecord): { min: number; max: number | undefined } {
  const exact = integerOf(record, 'NumberOfProcessors');
  const min = exact ?? integerOf(record, 'MinNumberOfProcessors') ?? 1;
  const max = exact ?? integerOf(record, 'MaxNumberOfProcessors');
  for (const [name, value] of [
    ['minimum', min],
    ['maximum', max],
  ] as const) {
    if (value !== undefined && (value < 1 || value > MAX_PROCESSORS)) {
      throw invalid(`the ${name} number of processors must be from 1 to ${MAX_PROCESSORS}`);
    }
  }
  if (max !== undefined && max < min)
    throw invalid('MaxNumberOfProcessors is below MinNumberOfProcessors');
  return { min, max };
}

/**
 * DIRAC's tags derived from a job's processors, WholeNode and MaxRAM, plus its own Tags:
 * n > 1 processors (exact or minimum) gives `<n>Processors` and `MultiProcessor`; a maximum
 * above 1, or a minimum with no maximum, gives `MultiProcessor`.
 */
function jobTags(record: JdlRecord): string[] {
  const tags = new Set([...(listOf(record, 'Tags') ?? []), ...(listOf(record, 'Tag') ?? [])]);
  const { min, max } = processors(record);
  const exact = integerOf(record, 'NumberOfProcessors') !== undefined;
  const minGiven = exact || integerOf(record, 'MinNumberOfProcessors') !== undefined;
  if (min > 1) tags.add(`${min}Processors`);
  if (min > 1 || (max !== undefined && max > 1) || (minGiven && !exact && max === undefined)) {
    tags.add('MultiProcessor');
  }
  if (booleanOf(record, 'WholeNode')) {
    tags.add('WholeNode');
    tags.add('MultiProcessor');
  }
  const maxRam = integerOf(record, 'MaxRAM');
  if (maxRam !== undefined) tags.add(`${maxRam}GB`);
  return [...tags].sort();
}

/**
 * Validates a job description against the Operations of the submitter's VO and the
 * Resources, as DIRAC's JobModel does, and fills in what the server sets. Anything wrong
 * rejects the job with a 400 naming the attribute; unknown attributes are kept, as DIRAC
 * keeps them.
 */
/**
 * `value` if it fits its Jobs column of `width` characters; otherwise a 400 naming the
 * attribute, on every backend (MySQL would refuse it, SQLite would keep it).
 */
function fitting(name: string, value: string, width: number): string {
  // A string never has more characters than UTF-16 units: only a long one is counted.
  if (value.length > width && [...value].length > width)
    throw invalid(`${name} is longer than ${width} characters`);
  return value;
}

export function prepareJob(record: JdlRecord, submitter: Submitter, config: Config): PreparedJob {
  const ops = config.Operations[submitter.vo]?.JobDescription;
  if (ops === undefined)
    throw new InvalidRequestError(`VO ${submitter.vo} has no JobDescription in Operations`);

  const executable = stringOf(record, 'Executable');
  if (executable === undefined || executable.trim() === '')
    throw invalid('Executable is missing or empty');

  const cpuTime = integerOf(record, 'CPUTime') ?? ops.DefaultCPUTime;
  if (cpuTime < ops.MinCPUTime || cpuTime > ops.MaxCPUTime) {
    throw invalid(`CPUTime ${cpuTime} is outside [${ops.MinCPUTime}, ${ops.MaxCPUTime}]`);
  }
  const priority = integerOf(record, 'Priority') ?? ops.DefaultPriority;
  if (priority < ops.MinPriority || priority > ops.MaxPriority) {
    throw invalid(`Priority ${priority} is outside [${ops.MinPriority}, ${ops.MaxPriority}]`);
  }
  const jobType = stringOf(record, 'JobType') ?? 'User';
  if (!ops.AllowedJobTypes.includes(jobType)) {
    throw invalid(`JobType ${jobType} is not allowed; allowed: ${ops.AllowedJobTypes.join(', ')}`);
  }
  const logLevel = stringOf(record, 'LogLevel');
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel.toUpperCase()))
    throw invalid(`LogLevel ${logLevel} is not a log level`);

  // DIRAC's JobScheduling drops ANY (any spelling) and empty values from the Site list.
  const requestedSites = (listOf(record, 'Site') ?? []).filter(
    (s) => s.trim() !== '' && !isAnyValue(s),
  );
  const unknownSite = requestedSites.find((site) => !isKnownSite(config, site));
  if (unknownSite !== undefined) throw invalid(`Site ${unknownSite} is not a known site`);
  const bannedSites = [
    ...new Set([...(listOf(record, 'BannedSites') ?? []), ...(listOf(record, 'BannedSite') ?? [])]),
  ].sort();
  const sites = [...new Set(requestedSites)].filter((site) => !bannedSites.includes(site)).sort();
  if (requestedSites.length > 0 && sites.length === 0)
    throw invalid('no candidate site is left once BannedSites are removed');

  const platforms = compatiblePlatforms(config, listOf(record, 'Platform') ?? []);

  const inputData = (listOf(record, 'InputData') ?? []).map((lfn) =>
    lfn.startsWith('/') ? `LFN:${lfn}` : lfn,
  );
  const badLfn = inputData.find(
    (lfn) => !lfn.startsWith(`LFN:/${submitter.vo}/`) || lfn.slice(4).includes('//'),
  );
  if (badLfn !== undefined)
    throw invalid(
      `InputData ${badLfn} is not an LFN of VO ${submitter.vo} (LFN:/${submitter.vo}/…)`,
    );
  if (jobType === 'User' && inputData.length > ops.MaxInputData) {
    throw invalid(
      `a User job may have at most ${ops.MaxInputData} input files, not ${inputData.length}`,
    );
  }
  const gridCE = stringOf(record, 'GridCE');
  const requirements = {
    cpuTime,
    sites,
    bannedSites,
    gridCEs: gridCE === undefined ? [] : [gridCE],
    platforms,
    jobTypes: [jobType],
    tags: jobTags(record),
  };

  const strings = (values: readonly string[]) => jdlList(values.map(jdlString));
  const jobRequirements: JdlRecord = {
    attributes: [
      ['OwnerName', jdlString(submitter.preferred_username)],
      ['OwnerGroup', jdlString(submitter.dirac_group)],
      ['VirtualOrganization', jdlString(submitter.vo)],
      ['UserPriority', jdlNumber(priority)],
      ['CPUTime', jdlNumber(cpuTime)],
      ...(platforms.length > 0 ? [['Platforms', strings(platforms)] as [string, JdlValue]] : []),
      ...(sites.length > 0 ? [['Sites', strings(sites)] as [string, JdlValue]] : []),
      ...(bannedSites.length > 0
        ? [['BannedSites', strings(bannedSites)] as [string, JdlValue]]
        : []),
      ...(gridCE === undefined ? [] : [['GridCEs', strings([gridCE])] as [string, JdlValue]]),
      ['JobTypes', strings([jobType])],
      ...(requirements.tags.length > 0
        ? [['Tags', strings(requirements.tags)] as [string, JdlValue]]
        : []),
    ],
  };
  const serverSet = new Set([
    'Owner',
    'OwnerGroup',
    'VirtualOrganization',
    'JobRequirements',
    'CPUTime',
    'Priority',
    'JobType',
  ]);
  const jdl: JdlRecord = {
    attributes: [
      ...record.attributes.filter(([name]) => !serverSet.has(name)),
      ['JobType', jdlString(jobType)],
      ['CPUTime', jdlNumber(cpuTime)],
      ['Priority', jdlNumber(priority)],
      ['Owner', jdlString(submitter.preferred_username)],
      ['OwnerGroup', jdlString(submitter.dirac_group)],
      ['VirtualOrganization', jdlString(submitter.vo)],
      ['JobRequirements', { type: 'record', record: jobRequirements }],
    ],
  };
  return {
    jdl,
    jobType: fitting('JobType', jobType, 32),
    jobGroup: fitting('JobGroup', stringOf(record, 'JobGroup') ?? '00000000', 32),
    jobName: fitting('JobName', stringOf(record, 'JobName') ?? 'Name', 128),
    site: sites.length === 0 ? 'ANY' : sites.length === 1 ? sites[0]! : 'Multiple',
    priority,
    inputData,
    requirements,
  };
}
