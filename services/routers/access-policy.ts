import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Who may do what in one system, as DiracX's `diracx.access_policies`: every handler calls
 * its policy first, and an extension swaps a policy by registering one with the same name.
 */
export interface AccessPolicy {
  readonly name: string;
  /**
   * Resolves when `request` may perform `action` (on `target`, when the policy needs to
   * know what is touched); throws a 401/403 error otherwise.
   */
  check(request: FastifyRequest, action: string, target?: unknown): Promise<void>;
}

/** DiracX's `open_access`: any caller that reached the route may use it. */
export const openAccessPolicy: AccessPolicy = {
  name: 'open',
  check: () => Promise.resolve(),
};

/** The policy registered as `name`; a missing one is a wiring mistake, caught at boot. */
export function policyNamed(app: FastifyInstance, name: string): AccessPolicy {
  const policy = app.policies.get(name);
  if (policy === undefined) throw new Error(`access policy ${name} is not registered`);
  return policy;
}
