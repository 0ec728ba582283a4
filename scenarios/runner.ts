import type { RunReport, StepResult } from '../reports/model.ts';
import { ScenarioContext, StepSkippedError } from './context.ts';
import type { Scenario, ScenarioTarget } from './model.ts';

export interface RunOptions {
  target: ScenarioTarget;
  seed: number;
  /** Fixture set named in the report (a size or a file). */
  fixtures: string;
  version: string;
  /** Wall-clock instant the run started (ISO), for the report. */
  startedAt: string;
  /** Told as each step starts and ends. */
  progress?: (event: StepProgress) => void;
  /** Told after each event of the grid: jobs ended and submitted, model seconds. */
  tick?: (jobs: { ended: number; total: number }, modelS: number) => void;
  /** Receives every event line (a JSONL file). */
  sink?: (line: string) => void;
}

export interface StepProgress {
  index: number;
  total: number;
  title: string;
  state: 'started' | 'passed' | 'failed' | 'skipped';
  message?: string;
  /** Jobs of the run ended so far, and submitted. */
  jobs: { ended: number; total: number };
  model_s: number;
}

/**
 * Runs a scenario's steps in order against the target and returns its report. A failed
 * check fails the run but the steps go on (so one report shows every broken expectation);
 * a step that throws fails, and the steps after it are skipped. Steps needing what the
 * target cannot offer are skipped with the reason.
 */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunReport> {
  const { target } = options;
  const wallStart = performance.now();
  const ctx = new ScenarioContext(scenario, target, options.seed, options.sink);
  const steps: StepResult[] = [];
  const { tick } = options;
  if (tick !== undefined)
    ctx.onEvent = () =>
      tick(
        { ended: ctx.world.jobs.total - ctx.world.jobs.open, total: ctx.world.jobs.total },
        ctx.modelS(),
      );
  let broken: string | undefined;
  for (const [index, step] of scenario.steps.entries()) {
    const missing = (step.needs ?? []).filter((need) => !target.capabilities.has(need));
    const base = { index, title: step.title, kind: step.kind };
    const tell = (state: StepProgress['state'], message?: string) =>
      options.progress?.({
        index,
        total: scenario.steps.length,
        title: step.title,
        state,
        ...(message === undefined ? {} : { message }),
        jobs: { ended: ctx.world.jobs.total - ctx.world.jobs.open, total: ctx.world.jobs.total },
        model_s: Math.round(ctx.modelS()),
      });
    const modelStart = Math.round(ctx.modelS());
    if (broken !== undefined || missing.length > 0) {
      const message =
        broken !== undefined
          ? `skipped after "${broken}" failed`
          : `this target cannot offer ${missing.join(' and ')}`;
      if (broken === undefined) step.skipped?.(ctx, message);
      steps.push({
        ...base,
        status: 'skipped',
        wall_ms: 0,
        model_start_s: modelStart,
        model_end_s: modelStart,
        message,
      });
      tell('skipped', message);
      continue;
    }
    tell('started');
    ctx.beginStep(step.title);
    const stepStart = performance.now();
    const checksBefore = ctx.checks.length;
    let status: StepResult['status'] = 'passed';
    let message: string | undefined;
    try {
      await step.run(ctx);
      const failed = ctx.checks.slice(checksBefore).filter((c) => !c.passed);
      if (failed.length > 0) {
        status = 'failed';
        message = failed.map((c) => `${c.name}: ${c.message}`).join('; ');
      }
    } catch (error) {
      if (error instanceof StepSkippedError) status = 'skipped';
      else {
        status = 'failed';
        broken = step.title;
      }
      message = error instanceof Error ? error.message : String(error);
    }
    steps.push({
      ...base,
      status,
      wall_ms: Math.round(performance.now() - stepStart),
      model_start_s: modelStart,
      model_end_s: Math.round(ctx.modelS()),
      ...(message === undefined ? {} : { message }),
    });
    tell(status, message);
  }
  ctx.stop();

  const modelS = Math.round(ctx.modelS());
  const { world } = ctx;
  const passed = steps.every((s) => s.status !== 'failed') && ctx.checks.every((c) => c.passed);
  return {
    kind: 'scenario',
    name: scenario.name,
    description: scenario.description,
    status: passed ? 'passed' : 'failed',
    inputs: {
      seed: options.seed,
      fixtures: options.fixtures,
      target: target.url,
      clock: target.clock.kind,
      transport: target.service.transport.name,
      gridbox_version: options.version,
    },
    started_at: options.startedAt,
    wall_s: Math.round((performance.now() - wallStart) / 100) / 10,
    model_s: modelS,
    event_log: { sha256: world.log.hash(), total: world.log.total, by_kind: world.log.counts() },
    steps,
    assertions: ctx.checks,
    series: ctx.sampler.series(modelS),
    faults: ctx.faults,
    summary: {
      jobs_submitted: world.jobs.total,
      jobs_by_status: world.jobs.byStatus(),
      pilots: world.counters.pilots,
      transfers: { count: world.counters.transfers, bytes: world.counters.transferBytes },
    },
  };
}
