import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import { junitXml, writeJunit } from './junit-report.ts';
import type { RunReport } from './model.ts';
import { sampleReport } from './sample-report.testkit.ts';

/** The little of the DOM the checks read (xmlbuilder2's parser returns a full DOM). */
interface XmlElement {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
  readonly textContent: string | null;
}

/** Parses the XML back with an independent reader: escaping errors fail here. */
function parse(xml: string): XmlElement {
  return create(xml).root().node as unknown as XmlElement;
}

function elements(root: XmlElement, tag: string): XmlElement[] {
  return Array.from(root.getElementsByTagName(tag));
}

function attrs(el: XmlElement, names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((n) => [n, el.getAttribute(n)]));
}

const COUNTS = ['tests', 'failures', 'errors', 'skipped'];

describe('JUnit report', () => {
  it('has one test case per assertion, the failed one carrying its message', () => {
    const report = sampleReport();
    const root = parse(junitXml(report));
    const suites = elements(root, 'testsuite');
    expect(suites).toHaveLength(1);
    const suite = suites[0]!;
    expect(suite.getAttribute('name')).toBe('scenario site-ban-and-recover');
    // 4 assertions (1 failed) + 1 skipped step; the failed step is covered by its assertion.
    const expected = { tests: '5', failures: '1', errors: '0', skipped: '1' };
    expect(attrs(suite, COUNTS)).toEqual(expected);
    expect(attrs(root, COUNTS)).toEqual(expected);

    const cases = elements(suite, 'testcase');
    expect(cases.map((c) => c.getAttribute('name'))).toEqual([
      ...report.assertions.map((a) => a.name),
      'download the outputs (step 8)',
    ]);
    for (const c of cases) {
      expect(c.getAttribute('classname')).toBe('gridbox.scenario.site-ban-and-recover');
    }
    expect(cases[0]!.getAttribute('time')).toBe('0.210');

    const failures = elements(suite, 'failure');
    expect(failures).toHaveLength(1);
    const failed = report.assertions[2]!;
    expect(failures[0]!.getAttribute('message')).toBe(failed.message);
    expect(failures[0]!.textContent).toBe(`${failed.message}\n(step: check the outcome)`);
    expect(elements(cases[2]!, 'failure')).toHaveLength(1);
    expect(elements(suite, 'skipped')[0]!.getAttribute('message')).toBe('an earlier step failed');
  });

  it('keeps markup characters and non-ASCII text in messages intact', () => {
    const report = sampleReport();
    const message = `expected <Done> & "Failed" isn't </failure> ]]> — Zürich 名前 🚀`;
    report.assertions[2]!.message = message;
    report.assertions[2]!.name = `status <&"'> of job 1 — Ωmega`;
    const root = parse(junitXml(report));
    const failure = elements(root, 'failure')[0]!;
    expect(failure.getAttribute('message')).toBe(message);
    expect(failure.textContent).toContain(message);
    expect(elements(root, 'testcase')[2]!.getAttribute('name')).toBe(
      `status <&"'> of job 1 — Ωmega`,
    );
  });

  it('replaces characters XML cannot carry instead of writing a broken file', () => {
    const report = sampleReport();
    report.assertions[2]!.message = 'exit status 1: \u0000\u001b[31mred\u001b[0m \ud800 end';
    const failure = elements(parse(junitXml(report)), 'failure')[0]!;
    expect(failure.getAttribute('message')).toBe(
      'exit status 1: \ufffd\ufffd[31mred\ufffd[0m \ufffd end',
    );
  });

  it('reports a step that threw as an error test case, apart from failed assertions', () => {
    const report: RunReport = { ...sampleReport(), assertions: [] };
    report.steps[4] = {
      ...report.steps[4]!,
      status: 'failed',
      message: 'timed out after 7200 s of model time waiting for 150 Done jobs (found 112)',
    };
    report.steps[7] = { ...report.steps[7]!, status: 'skipped', message: 'an earlier step failed' };
    const suite = elements(parse(junitXml(report)), 'testsuite')[0]!;
    expect(attrs(suite, COUNTS)).toEqual({ tests: '3', failures: '0', errors: '1', skipped: '2' });
    const errors = elements(suite, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.getAttribute('message')).toBe(report.steps[4]!.message);
    expect(errors[0]!.getAttribute('type')).toBe('wait');
    expect(elements(suite, 'testcase').map((c) => c.getAttribute('name'))).toEqual([
      'advance until 150 jobs are Done (step 4)',
      'check the outcome (step 7)',
      'download the outputs (step 8)',
    ]);
  });

  it('records seed, event-log hash and target as properties', () => {
    const report = sampleReport();
    const read = (r: RunReport) =>
      Object.fromEntries(
        elements(parse(junitXml(r)), 'property').map((p) => [
          p.getAttribute('name'),
          p.getAttribute('value'),
        ]),
      );
    expect(read(report)).toMatchObject({
      seed: '42',
      'event_log.sha256': report.event_log.sha256,
      target: 'embedded',
      clock: 'virtual',
    });
    report.inputs.target = 'https://diracx.example.org';
    expect(read(report).target).toBe('https://diracx.example.org');
  });

  describe('writeJunit', () => {
    let dir: string | undefined;
    afterEach(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it('writes the XML to the file named, creating its folder', async () => {
      dir = await mkdtemp(join(tmpdir(), 'gridbox-junit-'));
      const file = join(dir, 'ci', 'out.xml');
      const report = sampleReport();
      expect(await writeJunit(report, file)).toBe(file);
      const text = await readFile(file, 'utf8');
      expect(text).toBe(junitXml(report));
      expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    });
  });
});
