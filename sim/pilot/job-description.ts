import { type JdlValue, attribute, parseJdl } from '../../services/core/index.ts';

/** What a worker node reads from a matched job's JDL to run it. */
export interface PayloadDescription {
  /** HS06·s of work the payload does (from `--work` in its Arguments; default: its CPUTime / 2). */
  work: number;
  /** Bytes of each output file (from `--output-bytes`; default 1 KiB). */
  outputBytes: number;
  processors: number;
  inputSandbox: string[];
  /** LFNs, without the `LFN:` prefix. */
  inputData: string[];
  /** Output file names (DIRAC's OutputData); the LFN is built from the job id. */
  outputData: string[];
  /** An SE group or SE names for the outputs. */
  outputSE: string;
  /** DIRAC's JobType (User when the JDL names none). */
  jobType: string;
  /** Chance the payload fails on its own, from `--failure-probability` (0 when absent). */
  failureProbability: number;
}

const text = (value: JdlValue | undefined): string[] => {
  if (value === undefined) return [];
  if (value.type === 'list') return value.items.flatMap(text);
  if (value.type === 'string') return [value.value];
  if (value.type === 'number') return [value.raw];
  if (value.type === 'expression') return [value.text];
  return [];
};

const option = (args: string, name: string): number | undefined => {
  const found = new RegExp(`--${name}[ =](\\d+)`).exec(args);
  return found === null ? undefined : Number(found[1]);
};

const probabilityOption = (args: string): number => {
  const found = /--failure-probability[ =](\d+(?:\.\d+)?(?:e-?\d+)?)/.exec(args);
  const value = found === null ? 0 : Number(found[1]);
  return value >= 0 && value <= 1 ? value : 0;
};

export function describePayload(jdl: string): PayloadDescription {
  const record = parseJdl(jdl);
  const first = (name: string) => text(attribute(record, name))[0];
  const args = first('Arguments') ?? '';
  const cpuTime = Number(first('CPUTime') ?? 86400);
  return {
    work: option(args, 'work') ?? Math.round(cpuTime / 2),
    outputBytes: option(args, 'output-bytes') ?? 1024,
    processors: Number(first('NumberOfProcessors') ?? 1) || 1,
    inputSandbox: text(attribute(record, 'InputSandbox')),
    inputData: text(attribute(record, 'InputData')).map((lfn) => lfn.replace(/^LFN:/i, '')),
    outputData: text(attribute(record, 'OutputData')),
    outputSE: first('OutputSE') ?? 'SE-USER',
    jobType: first('JobType') ?? 'User',
    failureProbability: probabilityOption(args),
  };
}

/** How a job runs, as the simulator models it: what its JDL says to the payload. */
export interface JobModel {
  /** DIRAC's JobType (User when the JDL names none). */
  jobType: string;
  /** HS06·s of work (as describePayload). */
  work: number;
  /** Bytes of each output file (as describePayload). */
  outputBytes: number;
  /** Chance the payload fails on its own, from `--failure-probability` (0 when absent). */
  failureProbability: number;
}

/** The job type, work, output size and failure chance a JDL gives its payload. */
export function describeJobModel(jdl: string): JobModel {
  const { jobType, work, outputBytes, failureProbability } = describePayload(jdl);
  return { jobType, work, outputBytes, failureProbability };
}

/** DIRAC's default output LFN: /<vo>/user/<u>/<user>/<jobID div 1000>/<jobID>/<file>. */
export function outputLfn(vo: string, owner: string, jobId: number, file: string): string {
  return `/${vo}/user/${owner.charAt(0)}/${owner}/${Math.floor(jobId / 1000)}/${jobId}/${file}`;
}
