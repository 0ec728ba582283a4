import type { FastifyInstance } from 'fastify';
import type { Clock, ConfigSource } from '../core/index.ts';
import type { AccessPolicy } from '../routers/index.ts';
import {
  AUTHORIZATION_MATRIX,
  CALLERS,
  type Caller,
  OTHER_VO,
  UNAUTHENTICATED,
} from './authorization-matrix.ts';
import {
  type MatrixIdentities,
  documentedOperations,
  isRefusal,
  prepareMatrix,
  probe,
} from './authorization-matrix-run.ts';
import { buildApp } from './build-app.ts';
import type { Registry } from './registry.ts';

/**
 * One operation × caller whose decision (allowed, or refused with 401/403) differs between
 * gridbox alone and the extended box, or that the extended box answers with a 5xx.
 */
export interface DecisionDifference {
  operation: string;
  caller: Caller;
  /** The status gridbox alone gives, then the extended box. */
  gridbox: number;
  extended: number;
  /** `change`: an extension's policy decided it; `failure`: anything else (see compareAuthorization). */
  verdict: 'change' | 'failure';
  why: string;
}

export interface AuthorizationComparison {
  /** Requests sent, both boxes together. */
  requests: number;
  differences: DecisionDifference[];
  /** Operations of the extended box that the matrix has no row for. */
  uncovered: string[];
  /** Uncovered operations that take a token yet let a forged, expired or missing one through. */
  uncoveredFailures: string[];
  /** Why the matrix could not run at all (a box refused to be seeded); a failure. */
  error?: string;
}

/** A policy's verdict during one request: which policy, which action, and whether it refused. */
interface PolicyCall {
  policy: string;
  action: string;
  refused: boolean;
}

interface Run {
  statuses: Map<string, Map<Caller, number>>;
  calls: Map<string, Map<Caller, PolicyCall[]>>;
  documented: Set<string>;
  requests: number;
  uncoveredFailures: string[];
}

export interface CompareAuthorizationOptions {
  /** gridbox's parts, then the extended ones. */
  gridbox: Registry;
  extended: Registry;
  configSource: ConfigSource;
  identities: MatrixIdentities;
  /** A fresh clock per box, so both boxes see the same times. */
  clock: () => Clock;
}

/**
 * Runs the authorization matrix on gridbox alone and on the extended box, each seeded the
 * same way, and compares every operation × caller. The rule:
 *
 * 1. A 5xx on the extended box where gridbox gives none is a failure.
 * 2. Where gridbox refuses a caller without a valid token (none, a wrong signature, a foreign
 *    issuer, expired, `alg: none`) or a caller of another VO, and the extended box lets it
 *    through, that is a failure whatever the extension declares: a security regression.
 * 3. Any other difference of decision is a change when an access policy that an extension
 *    registered (replacing gridbox's or new) made it: it refused where gridbox allowed, or it
 *    was asked the question gridbox's policy of that name refused, and allowed. Otherwise
 *    (the extension's router or DB, or a 401 for a valid token) it is a failure.
 *
 * Operations the extended box serves and the matrix has no row for are listed; those whose
 * OpenAPI description asks for a token get one request from each caller without a valid
 * token, and any answer but 401/403 is a failure. Rows whose operation the extended box no
 * longer serves are left out (the OpenAPI comparison lists them).
 */
export async function compareAuthorization(
  options: CompareAuthorizationOptions,
): Promise<AuthorizationComparison> {
  const declared = new Set(
    [...(options.extended.origins ?? new Map<string, string>()).keys()]
      .filter((key) => key.startsWith('policy '))
      .map((key) => key.slice('policy '.length)),
  );
  let gridbox: Run;
  let extended: Run;
  try {
    gridbox = await runOn(options.gridbox, options, false);
    extended = await runOn(options.extended, options, true);
  } catch (error) {
    return {
      requests: 0,
      differences: [],
      uncovered: [],
      uncoveredFailures: [],
      error: (error as Error).message,
    };
  }
  const differences: DecisionDifference[] = [];
  for (const [operation, byCaller] of extended.statuses)
    for (const [caller, after] of byCaller) {
      const before = gridbox.statuses.get(operation)?.get(caller);
      if (before === undefined) continue;
      const verdict = judge(
        caller,
        before,
        after,
        gridbox.calls.get(operation)?.get(caller) ?? [],
        extended.calls.get(operation)?.get(caller) ?? [],
        declared,
      );
      if (verdict !== undefined)
        differences.push({ operation, caller, gridbox: before, extended: after, ...verdict });
    }
  const uncovered = [...extended.documented].filter((op) => !(op in AUTHORIZATION_MATRIX)).sort();
  return {
    requests: gridbox.requests + extended.requests,
    differences,
    uncovered,
    uncoveredFailures: extended.uncoveredFailures,
  };
}

function judge(
  caller: Caller,
  before: number,
  after: number,
  gridboxCalls: PolicyCall[],
  extendedCalls: PolicyCall[],
  declared: ReadonlySet<string>,
): Pick<DecisionDifference, 'verdict' | 'why'> | undefined {
  if (after >= 500 && before < 500)
    return { verdict: 'failure', why: 'an internal error on the extended box' };
  if (isRefusal(before) === isRefusal(after)) return undefined;
  if (isRefusal(before)) {
    if ((UNAUTHENTICATED as readonly Caller[]).includes(caller))
      return {
        verdict: 'failure',
        why: 'a caller without a valid token gets through: gridbox refuses it',
      };
    if ((OTHER_VO as readonly Caller[]).includes(caller))
      return {
        verdict: 'failure',
        why: "a caller of another VO reaches VO A's data: gridbox refuses it",
      };
    const refusal = gridboxCalls.find((call) => call.refused);
    const allowedBy =
      refusal === undefined || !declared.has(refusal.policy)
        ? undefined
        : extendedCalls.find(
            (call) =>
              call.policy === refusal.policy && call.action === refusal.action && !call.refused,
          );
    return allowedBy === undefined
      ? { verdict: 'failure', why: 'allowed, and no policy of an extension decided it' }
      : {
          verdict: 'change',
          why: `allowed by the extension's policy "${allowedBy.policy}" (${allowedBy.action})`,
        };
  }
  const refusedBy = extendedCalls.find((call) => call.refused && declared.has(call.policy));
  return refusedBy === undefined
    ? { verdict: 'failure', why: 'refused, and no policy of an extension decided it' }
    : {
        verdict: 'change',
        why: `refused by the extension's policy "${refusedBy.policy}" (${refusedBy.action})`,
      };
}

/** Each policy of `registry`, recording its verdicts into `log` (one request at a time). */
function recording(registry: Registry, log: PolicyCall[]): Registry {
  const wrap = (policy: AccessPolicy): AccessPolicy => ({
    name: policy.name,
    actions: policy.actions,
    check: async (request, action, target) => {
      try {
        await policy.check(request, action, target);
        log.push({ policy: policy.name, action, refused: false });
      } catch (error) {
        log.push({ policy: policy.name, action, refused: true });
        throw error;
      }
    },
  });
  return {
    ...registry,
    policies: new Map([...registry.policies].map(([name, policy]) => [name, wrap(policy)])),
  };
}

/**
 * The matrix on one box built from `registry`: the status and policy calls of each
 * operation × caller; rows the box does not serve are skipped. On the extended box, its
 * operations outside the matrix are also probed without a valid token.
 */
async function runOn(
  registry: Registry,
  options: CompareAuthorizationOptions,
  isExtended: boolean,
): Promise<Run> {
  const log: PolicyCall[] = [];
  const app: FastifyInstance = await buildApp({
    configSource: options.configSource,
    registry: recording(registry, log),
    clock: options.clock(),
  });
  try {
    const operations = await documentedOperations(app);
    const { seed, headers } = await prepareMatrix(
      app,
      options.configSource.current()!.config,
      options.identities,
    );
    const statuses = new Map<string, Map<Caller, number>>();
    const calls = new Map<string, Map<Caller, PolicyCall[]>>();
    let requests = 0;
    for (const [operation, row] of Object.entries(AUTHORIZATION_MATRIX)) {
      if (!operations.has(operation)) continue;
      const request = row.request(seed);
      const byCaller = new Map<Caller, number>();
      const callsByCaller = new Map<Caller, PolicyCall[]>();
      for (const caller of CALLERS) {
        log.length = 0;
        byCaller.set(caller, await probe(app, operation, request, headers.get(caller)!));
        callsByCaller.set(caller, [...log]);
        requests += 1;
      }
      statuses.set(operation, byCaller);
      calls.set(operation, callsByCaller);
    }

    const uncoveredFailures: string[] = [];
    if (isExtended)
      for (const [operation, description] of operations) {
        if (operation in AUTHORIZATION_MATRIX || (description.security ?? []).length === 0)
          continue;
        // Authentication comes before the body and the parameters are read: any will do.
        const url = operation.split(' ')[1]!.replaceAll(/\{[^}]+\}/g, '1');
        for (const caller of UNAUTHENTICATED) {
          const status = await probe(app, operation, { url }, headers.get(caller)!);
          requests += 1;
          if (!isRefusal(status))
            uncoveredFailures.push(`${operation} as ${caller}: ${status}, expected 401`);
        }
      }
    return {
      statuses,
      calls,
      documented: new Set(operations.keys()),
      requests,
      uncoveredFailures,
    };
  } finally {
    await app.close();
  }
}
