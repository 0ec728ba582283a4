import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Who may do what in one system, as DiracX's `diracx.access_policies`: every handler calls
 * its policy first, and an extension swaps a policy by registering one with the same name.
 */
export interface AccessPolicy<A extends string = string> {
  readonly name: string;
  /** The actions it decides; one registered in place of a built-in decides at least its. */
  readonly actions: readonly A[];
  /**
   * Resolves when `request` may perform `action` (on `target`, when the policy needs to
   * know what is touched); throws a 401/403 error otherwise.
   */
  check(request: FastifyRequest, action: A, target?: unknown): Promise<void>;
}

export type OpenAction = 'create' | 'read' | 'manage';

/** DiracX's `open_access`: any caller that reached the route may use it. */
export const openAccessPolicy: AccessPolicy<OpenAction> = {
  name: 'open',
  actions: ['create', 'read', 'manage'],
  check: () => Promise.resolve(),
};

/**
 * The policy registered under the built-in's name (the built-in, or an extension's in its
 * place), typed with the built-in's actions. The app checked at start-up that it exists and
 * decides those actions.
 */
export function policyFor<A extends string>(
  app: FastifyInstance,
  builtin: AccessPolicy<A>,
): AccessPolicy<A> {
  const policy = app.policies.get(builtin.name);
  if (policy === undefined) throw new Error(`access policy ${builtin.name} is not registered`);
  return policy as AccessPolicy<A>;
}
