import { create } from 'xmlbuilder2';
import { type FixtureSet, pilotIdentity } from '../fixtures/index.ts';
import {
  type AuthorizationComparison,
  CALLER_LABELS,
  type DecisionDifference,
  type MatrixIdentities,
  type Registry,
  builtinRegistry,
  compareAuthorization,
} from '../services/app/index.ts';
import { ManualClock, snapshotOf, staticConfigSource } from '../services/core/index.ts';
import {
  type ConformanceResult,
  DB_CONFORMANCE_SUITES,
  runConformanceSuite,
} from '../services/db/index.ts';

/**
 * What validate-extension finds beyond the scenarios: the authorization matrix on the
 * extended box against gridbox alone, and the DB conformance kits against the extensions'
 * replacement DBs. Written to the JSON summary as they are.
 */
export interface ConformanceOutcome {
  authorization: {
    /** Requests the matrix sent (both boxes). */
    requests: number;
    /** Decisions an extension's policy changed: reported, not failures. */
    changes: Difference[];
    /** Security regressions and undeclared differences: each fails the validation. */
    failures: string[];
    /** Operations of the extended box that the matrix has no row for. */
    uncovered: string[];
  };
  db_conformance: {
    /** One result per check of each replaced DB's kit. */
    checks: ConformanceResult[];
    /** DBs an extension replaces that have no conformance kit. */
    without_kit: string[];
  };
}

interface Difference {
  operation: string;
  caller: string;
  gridbox: number;
  extended: number;
  why: string;
}

/** `PATCH /api/jobs/status as same-VO user: 200 → 403`. */
export const describeDifference = (d: Difference) =>
  `${d.operation} as ${d.caller}: ${d.gridbox} → ${d.extended}`;

/**
 * The matrix's callers among the fixtures' users: the first two VOs of the Registry (A and
 * B), VO A's first two plain users (in its `<vo>_user` group only), VO B's first, each VO's
 * administrator (in `<vo>_admin`) and VO A's generic pilot. Undefined, with the reason,
 * when the fixtures lack one of them.
 */
export function matrixIdentities(fixtureSet: FixtureSet): MatrixIdentities | string {
  const [vo, otherVo] = Object.keys(fixtureSet.config.Registry);
  if (vo === undefined || otherVo === undefined)
    return 'the authorization matrix needs two VOs in the fixtures';
  const plain = (ofVo: string, n: number) =>
    fixtureSet.users.filter((u) => u.vo === ofVo && u.groups.length === 1)[n];
  const admin = (ofVo: string) =>
    fixtureSet.users.find((u) => u.vo === ofVo && u.groups.includes(`${ofVo}_admin`));
  const people = [
    ['owner', plain(vo, 0), `${vo}_user`],
    ['sameVoUser', plain(vo, 1), `${vo}_user`],
    ['otherVoUser', plain(otherVo, 0), `${otherVo}_user`],
    ['sameVoAdmin', admin(vo), `${vo}_admin`],
    ['otherVoAdmin', admin(otherVo), `${otherVo}_admin`],
  ] as const;
  const identities: Partial<MatrixIdentities> = {
    genericPilot: { vo, username: pilotIdentity(vo).username, group: `${vo}_pilot` },
  };
  for (const [role, user, group] of people) {
    if (user === undefined)
      return `the authorization matrix needs a ${CALLER_LABELS[role]} (${group}) in the fixtures`;
    identities[role] = { vo: user.vo, username: user.username, group };
  }
  return identities as MatrixIdentities;
}

/** The matrix on gridbox alone and on `registry`, compared (see compareAuthorization). */
export async function authorizationOutcome(
  registry: Registry,
  fixtureSet: FixtureSet,
): Promise<ConformanceOutcome['authorization']> {
  const identities = matrixIdentities(fixtureSet);
  if (typeof identities === 'string')
    return { requests: 0, changes: [], failures: [identities], uncovered: [] };
  const refMs = Date.parse(fixtureSet.meta.refDate);
  const comparison: AuthorizationComparison = await compareAuthorization({
    gridbox: builtinRegistry,
    extended: registry,
    configSource: staticConfigSource(snapshotOf(fixtureSet.config, refMs)),
    identities,
    clock: () => new ManualClock(refMs),
  });
  const labelled = (d: DecisionDifference): Difference => ({
    operation: d.operation,
    caller: CALLER_LABELS[d.caller],
    gridbox: d.gridbox,
    extended: d.extended,
    why: d.why,
  });
  return {
    requests: comparison.requests,
    changes: comparison.differences.filter((d) => d.verdict === 'change').map(labelled),
    failures: [
      ...(comparison.error === undefined ? [] : [comparison.error]),
      ...comparison.differences
        .filter((d) => d.verdict === 'failure')
        .map((d) => `${describeDifference(labelled(d))}: ${d.why}`),
      ...comparison.uncoveredFailures,
    ],
    uncovered: comparison.uncovered,
  };
}

/** The conformance kit of each DB the extensions register under a built-in's name. */
export async function dbConformanceOutcome(
  registry: Registry,
): Promise<ConformanceOutcome['db_conformance']> {
  const replaced = [...registry.dbs.keys()]
    .filter(
      (name) =>
        registry.origins?.has(`db ${name}`) === true &&
        (builtinRegistry.dbs.has(name) || builtinRegistry.storeDbs.has(name)),
    )
    .sort();
  const checks: ConformanceResult[] = [];
  const withoutKit: string[] = [];
  for (const name of replaced) {
    const suite = DB_CONFORMANCE_SUITES.get(name);
    if (suite === undefined) withoutKit.push(name);
    else
      checks.push(
        ...(await runConformanceSuite(suite, (db) => {
          const definition = registry.dbs.get(db);
          if (definition === undefined) throw new Error(`No SQL DB named ${db} is registered`);
          return definition;
        })),
      );
  }
  return { checks, without_kit: withoutKit };
}

export const conformancePassed = (outcome: ConformanceOutcome) =>
  outcome.authorization.failures.length === 0 &&
  outcome.db_conformance.checks.every((check) => check.passed);

/** The human lines for the report, indented as validate-extension's. */
export function describeConformance(outcome: ConformanceOutcome): string[] {
  const { authorization: auth, db_conformance: db } = outcome;
  const lines = [
    `  authorization matrix (${auth.requests} requests, gridbox alone against the extended box): ${
      auth.failures.length === 0 ? 'ok' : 'FAIL'
    }`,
    ...auth.failures.map((failure) => `    FAIL ${failure}`),
    ...(auth.changes.length === 0
      ? []
      : [
          '    decisions the extensions’ policies change:',
          ...auth.changes.map((c) => `      ${describeDifference(c)} (${c.why})`),
        ]),
    ...(auth.uncovered.length === 0
      ? []
      : [
          '    routes the matrix has no row for (checked only to refuse callers without a valid token):',
          ...auth.uncovered.map((operation) => `      ${operation}`),
        ]),
  ];
  if (db.checks.length > 0 || db.without_kit.length > 0) {
    lines.push('  DB conformance:');
    for (const check of db.checks)
      lines.push(
        `    ${check.passed ? 'ok  ' : 'FAIL'} ${check.db}: ${check.check}${
          check.message === undefined
            ? ''
            : `\n         ${check.message.replaceAll('\n', '\n         ')}`
        }`,
      );
    for (const name of db.without_kit)
      lines.push(`    ${name}: replaced, and gridbox has no kit for it`);
  }
  return lines;
}

/** Two JUnit test suites, `authorization matrix` and `DB conformance`, without their document. */
export function conformanceJunitSuites(outcome: ConformanceOutcome): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites');
  const suite = (name: string, cases: { name: string; failure?: string }[]) => {
    const failures = cases.filter((c) => c.failure !== undefined).length;
    const element = root.ele('testsuite', {
      name,
      tests: String(cases.length),
      failures: String(failures),
      errors: '0',
      skipped: '0',
    });
    for (const c of cases) {
      const testcase = element.ele('testcase', { classname: `gridbox.${name}`, name: c.name });
      if (c.failure !== undefined)
        testcase.ele('failure', { message: c.failure.split('\n')[0] }).txt(c.failure);
    }
  };
  const auth = outcome.authorization;
  suite(
    'authorization matrix',
    auth.failures.length === 0
      ? [{ name: 'the extended box refuses what gridbox refuses, but for its policies’ changes' }]
      : auth.failures.map((failure) => ({ name: failure.split(':')[0]!, failure })),
  );
  suite(
    'DB conformance',
    outcome.db_conformance.checks.map((check) => ({
      name: `${check.db}: ${check.check}`,
      ...(check.passed ? {} : { failure: check.message ?? 'failed' }),
    })),
  );
  const xml = root.end({ prettyPrint: true });
  return xml.slice(xml.indexOf('<testsuite '), xml.lastIndexOf('</testsuites>')).trimEnd();
}
