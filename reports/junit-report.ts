import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { create } from 'xmlbuilder2';
import type { RunReport } from './model.ts';

/**
 * The run as JUnit XML, the dialect CI systems read (Jenkins, GitLab, GitHub test reporters):
 * one `<testsuite name="scenario NAME">` holding
 * - one test case per assertion, with `<failure>` when it does not hold;
 * - one per failed step that no failed assertion names (the step threw: the runner could not
 *   do what the scenario asked), with `<error>`;
 * - one per skipped step, with `<skipped>`.
 * The `message` attribute is the readable one-line account; the element's text repeats it with
 * the step, since XML parsers fold line breaks inside attributes into spaces.
 */
export function junitXml(report: RunReport): string {
  const classname = `gridbox.scenario.${report.name}`;
  const failedAssertionSteps = new Set(
    report.assertions.filter((a) => !a.passed).map((a) => a.step),
  );
  const errored = report.steps.filter(
    (s) => s.status === 'failed' && !failedAssertionSteps.has(s.title),
  );
  const skipped = report.steps.filter((s) => s.status === 'skipped');
  const counts = {
    tests: String(report.assertions.length + errored.length + skipped.length),
    failures: String(report.assertions.filter((a) => !a.passed).length),
    errors: String(errored.length),
    skipped: String(skipped.length),
    time: seconds(report.wall_s * 1000),
  };

  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: `gridbox scenario ${xmlText(report.name)}`,
    ...counts,
  });
  const suite = root.ele('testsuite', {
    name: `scenario ${xmlText(report.name)}`,
    ...counts,
    timestamp: report.started_at,
  });
  const properties = suite.ele('properties');
  const props: [string, string][] = [
    ['seed', String(report.inputs.seed)],
    ['event_log.sha256', report.event_log.sha256],
    ['target', report.inputs.target ?? 'embedded'],
    ['clock', report.inputs.clock],
    ['fixtures', report.inputs.fixtures],
    ['transport', report.inputs.transport],
    ['gridbox_version', report.inputs.gridbox_version],
  ];
  for (const [name, value] of props) properties.ele('property', { name, value: xmlText(value) });

  for (const a of report.assertions) {
    const testcase = suite.ele('testcase', {
      classname: xmlText(classname),
      name: xmlText(a.name),
      time: seconds(a.wall_ms),
    });
    if (!a.passed) {
      testcase
        .ele('failure', { message: xmlText(a.message), type: 'AssertionError' })
        .txt(xmlText(`${a.message}\n(step: ${a.step})`));
    }
  }
  for (const s of errored) {
    const message = s.message ?? 'the step failed';
    suite
      .ele('testcase', {
        classname: xmlText(classname),
        name: xmlText(stepName(s)),
        time: seconds(s.wall_ms),
      })
      .ele('error', { message: xmlText(message), type: xmlText(s.kind) })
      .txt(xmlText(message));
  }
  for (const s of skipped) {
    suite
      .ele('testcase', {
        classname: xmlText(classname),
        name: xmlText(stepName(s)),
        time: seconds(s.wall_ms),
      })
      .ele('skipped', { message: xmlText(s.message ?? 'skipped') });
  }
  return root.end({ prettyPrint: true, wellFormed: true }) + '\n';
}

/** Writes {@link junitXml} to `file` (creating its folder). Returns the path. */
export async function writeJunit(report: RunReport, file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, junitXml(report));
  return file;
}

function stepName(s: RunReport['steps'][number]): string {
  return `${s.title} (step ${s.index})`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * XML 1.0 cannot carry most control characters or lone surrogates, even escaped; a message
 * quoting a process's output may hold them. Shown as U+FFFD rather than dropped or thrown on.
 */
function xmlText(s: string): string {
  return s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
}
