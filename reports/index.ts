import { writeHtmlReport } from './html-report.ts';
import { writeJsonReport } from './json-report.ts';
import { writeJunit } from './junit-report.ts';
import type { RunReport } from './model.ts';

export type { AssertionResult, FaultRecord, RunReport, StepResult } from './model.ts';
export {
  type BenchResult,
  HISTOGRAM_BOUNDS_MS,
  type RouteResult,
  type SweepPoint,
  type ThresholdOutcome,
} from './bench-model.ts';
export { type BenchComparison, compareBench, formatComparison } from './bench-compare.ts';
export {
  type BenchChart,
  type BenchReport,
  benchReport,
  renderBenchHtml,
  writeBenchReports,
} from './bench-report.ts';
export { type ChartModel, chartModel } from './chart-model.ts';
export { type ChartSeries, type ChartSpec, chartFigures, chartScripts } from './chart-page.ts';
export type {
  DbTimeTotals,
  LatencyStats,
  SimReport,
  SimRunSummary,
  SimSeries,
} from './sim-model.ts';
export { renderSimHtml, simCharts, writeSimReport } from './sim-report.ts';
export { renderHtml, writeHtmlReport } from './html-report.ts';
export { writeJsonReport } from './json-report.ts';
export { junitXml, writeJunit } from './junit-report.ts';

export interface ReportTargets {
  /** Folder for `report.json` and `index.html` (created if missing). */
  dir?: string;
  /** File for the JUnit XML (its folder created if missing). */
  junit?: string;
}

export interface WrittenReports {
  json?: string;
  html?: string;
  junit?: string;
}

/** Writes the reports asked for and returns their paths; nothing asked, nothing written. */
export async function writeReports(
  report: RunReport,
  targets: ReportTargets,
): Promise<WrittenReports> {
  const written: WrittenReports = {};
  if (targets.dir !== undefined) {
    written.json = await writeJsonReport(report, targets.dir);
    written.html = await writeHtmlReport(report, targets.dir);
  }
  if (targets.junit !== undefined) written.junit = await writeJunit(report, targets.junit);
  return written;
}
