import type { Config, Rng } from '../services/core/index.ts';

/** The kinds of job a scenario submits; each becomes a JDL the simulated pilots can run. */
export type Template = 'plain' | 'parametric' | 'input-data' | 'multi-processor' | 'tagged';

export const TEMPLATES: readonly Template[] = [
  'plain',
  'parametric',
  'input-data',
  'multi-processor',
  'tagged',
];

export interface JobShape {
  /** Model seconds the payload runs on a 10 HS06 core: drawn between the two. */
  runS: readonly [number, number];
  /** Bytes of the output file each job uploads and registers. */
  outputBytes: number;
  /** SE group (or SE names) for the outputs. */
  outputSE: string;
}

export const DEFAULT_SHAPE: JobShape = {
  runS: [600, 3600],
  outputBytes: 1024,
  outputSE: 'SE-USER',
};

export interface JdlInputs {
  template: Template;
  name: string;
  jobGroup: string;
  sandbox: string;
  shape: JobShape;
  /** For `input-data`: the LFNs to read. */
  inputData?: readonly string[];
  /** For `parametric`: how many jobs the JDL expands to. */
  parameters?: number;
  /** For `tagged`: the tags the job requires. */
  tags?: readonly string[];
}

/**
 * A JDL of the template. The payload's modelled work is in its Arguments (what the
 * simulated worker node reads); the rest is what DIRAC users write.
 */
export function templateJdl(inputs: JdlInputs, rng: Rng): string {
  const { shape } = inputs;
  const processors = inputs.template === 'multi-processor' ? 4 : 1;
  const work = rng.int(shape.runS[0], shape.runS[1]) * 10 * processors;
  const lines = [
    `JobName = "${inputs.name}${inputs.template === 'parametric' ? '_%n' : ''}";`,
    `Executable = "gridbox-payload";`,
    `Arguments = "--work ${work} --output-bytes ${shape.outputBytes}";`,
    `CPUTime = ${Math.round(work * 1.5)};`,
    `JobGroup = "${inputs.jobGroup}";`,
    `InputSandbox = {"${inputs.sandbox}"};`,
    `OutputData = {"out.dat"};`,
    `OutputSE = "${shape.outputSE}";`,
  ];
  if (inputs.template === 'parametric')
    lines.push(
      `Parameters = ${inputs.parameters ?? 10};`,
      'ParameterStart = 0;',
      'ParameterStep = 1;',
    );
  if (inputs.template === 'multi-processor') lines.push(`NumberOfProcessors = ${processors};`);
  if (inputs.template === 'tagged' && inputs.tags !== undefined)
    lines.push(`Tags = {${inputs.tags.map((tag) => `"${tag}"`).join(', ')}};`);
  if (inputs.inputData !== undefined && inputs.inputData.length > 0)
    lines.push(`InputData = {${inputs.inputData.map((lfn) => `"LFN:${lfn}"`).join(', ')}};`);
  return `[\n  ${lines.join('\n  ')}\n]`;
}

/**
 * Tags for `tagged` jobs: one that some queue offers (GPU first), with the tags that queue
 * requires of its jobs, so that the jobs can run there and only where the tag is.
 */
export function offeredTags(config: Config): string[] | undefined {
  const offers: string[][] = [];
  for (const sites of Object.values(config.Resources.Sites))
    for (const site of Object.values(sites))
      for (const ce of Object.values(site.CEs))
        for (const queue of Object.values(ce.Queues))
          for (const tag of [...ce.Tag, ...queue.Tag])
            offers.push([tag, ...new Set([...ce.RequiredTag, ...queue.RequiredTag])]);
  offers.sort(
    (a, b) => Number(b[0] === 'GPU') - Number(a[0] === 'GPU') || (a[0]! < b[0]! ? -1 : 1),
  );
  return offers[0];
}
