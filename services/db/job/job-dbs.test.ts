import { describe, expect, it } from 'vitest';
import type { SqlDbDefinition } from '../database.ts';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { jobLoggingDb } from '../job-logging/index.ts';
import { cpuTimeBucket, realPriority, taskQueueDb } from '../task-queue/index.ts';
import {
  jobDbConformance,
  jobLoggingDbConformance,
  taskQueueDbConformance,
} from './job-db-conformance.ts';
import { jobDb } from './index.ts';
import { compressJdl, decompressJdl } from './job-db.ts';

// The checks are the conformance kits' (job-db-conformance.ts), which validate-extension also
// runs against an extension's DB: here on every backend, with gridbox's own DBs.
const builtin = new Map<string, SqlDbDefinition>(
  [jobDb, jobLoggingDb, taskQueueDb].map((definition) => [definition.name, definition]),
);
const definitionOf = (name: string) => builtin.get(name)!;

describe.each(sqlBackends)('job DBs on %s', (_backend, url) => {
  describe.each([jobDbConformance, jobLoggingDbConformance, taskQueueDbConformance])(
    '$db',
    (suite) => {
      it.each(suite.checks)('$name', (check) =>
        check.run(async () => suite.open(await url(), definitionOf)),
      );
    },
  );
});

describe('task-queue arithmetic', () => {
  it.each([
    [1, 360],
    [360, 360],
    [361, 1800],
    [86400, 86400],
    [2_000_000, 1080000],
  ])('puts CPUTime %i in the %i s bucket', (cpu, bucket) => {
    expect(cpuTimeBucket(cpu)).toBe(bucket);
  });

  it.each([
    [0, 1e-5],
    [1, 1],
    [9, 9],
    [10, 1e6],
  ])('gives priority %i the real priority %d', (priority, real) => {
    expect(realPriority(priority)).toBe(real);
  });
});

describe('stored JDLs', () => {
  it.each([0, 1, 2047, 2048, 2049, 300_000])(
    'come back whole at %i characters, over as many chunks as they take',
    (length) => {
      const jdl = Array.from({ length }, (_, i) =>
        String.fromCharCode(32 + ((i * 7919) % 95)),
      ).join('');
      expect(decompressJdl(compressJdl(jdl))).toBe(jdl);
    },
  );

  it('come back whole with characters beyond ASCII', () => {
    const jdl = `[ JobName = "µ-ünïcødé 🚀"; Arguments = "${'é'.repeat(3000)}"; ]`;
    expect(decompressJdl(compressJdl(jdl))).toBe(jdl);
  });
});
