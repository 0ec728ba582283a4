import { ForbiddenError } from '../../core/index.ts';
import type { JobDB } from '../../db/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/** What a request does to jobs, as DiracX's WMS policy names it. */
export type WmsAction = 'create' | 'read' | 'manage' | 'query' | 'pilot' | 'match';

/**
 * DiracX's `wms` policy. Creating jobs needs NormalUser, even for administrators.
 * JobAdministrator reads, manages and queries anything; GenericPilot manages anything (a
 * pilot reporting is `pilot`, treated as manage). Anyone else needs NormalUser, may query,
 * and may read or manage only jobs that all exist and are their own, in their VO.
 * `target` is the list of job ids a read or manage touches. Matching (gridbox's) is for
 * GenericPilot and JobAdministrator only.
 */
export const wmsPolicy: AccessPolicy = {
  name: 'wms',
  check: async (request, action, target) => {
    const user = currentUser(request);
    const has = (property: string) => user.dirac_properties.includes(property);
    if (action === 'match') {
      // gridbox's matcher: pilots, or an administrator standing in for one.
      if (!has('GenericPilot') && !has('JobAdministrator')) throw new ForbiddenError('Forbidden');
      return;
    }
    const effective = action === 'pilot' ? 'manage' : action;
    if (effective === 'create') {
      if (!has('NormalUser')) throw new ForbiddenError('Forbidden');
      return;
    }
    if (has('JobAdministrator')) return;
    if (effective === 'manage' && has('GenericPilot')) return;
    if (!has('NormalUser')) throw new ForbiddenError('Forbidden');
    if (effective === 'query') return;
    const jobIds = (target as readonly number[] | undefined) ?? [];
    const owners = await (request.server.dbs.get('JobDB') as JobDB).getStates(jobIds);
    const allMine = jobIds.every((id) => {
      const job = owners.get(id);
      return job !== undefined && job.owner === user.preferred_username && job.vo === user.vo;
    });
    if (!allMine) throw new ForbiddenError('Forbidden');
  },
};
