import { ForbiddenError } from '../../core/index.ts';
import { pilotStampOf } from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/** What a request does to pilots. */
export type PilotAction = 'read' | 'register' | 'manage';

/**
 * DiracX's `pilot` policy, with gridbox's VO isolation and without its legacy pilot
 * registration:
 *
 * - `read`: everyone but pilots; what a search sees is the caller's VO (the logic's scope).
 * - `register` (`target`, the VO registered into): ServiceAdministrator of that VO only. No
 *   pilot token registers pilots: each registration hands out a secret, so a leaked token
 *   that could register would never expire.
 * - `manage` (`target`, the stamps touched): every known stamp must be of the caller's VO
 *   (unknown ones pass, for the logic's 404). ServiceAdministrator may change any of them;
 *   a GenericPilot one record at a time: a registered pilot's token its own record only,
 *   the VO's generic pilot identity (no stamp) any pilot of its VO, as a legacy pilot
 *   names its stamp in the body.
 */
export const pilotPolicy: AccessPolicy = {
  name: 'pilot',
  check: async (request, action, target) => {
    const user = currentUser(request);
    const has = (property: string) => user.dirac_properties.includes(property);
    if (action === 'read') {
      if (has('GenericPilot')) throw new ForbiddenError('Pilots cannot read pilot records');
      return;
    }
    if (action === 'register') {
      if (!has('ServiceAdministrator'))
        throw new ForbiddenError('Only a ServiceAdministrator registers pilots');
      if (target !== user.vo)
        throw new ForbiddenError('Administrators register pilots of their own VO only');
      return;
    }
    const stamps = (target as readonly string[] | undefined) ?? [];
    const vos = await request.server.dbs.get('PilotAgentsDB').vosOf(stamps);
    if ([...vos.values()].some((vo) => vo !== user.vo))
      throw new ForbiddenError('Pilots of another VO cannot be changed');
    if (has('ServiceAdministrator')) return;
    if (!has('GenericPilot')) throw new ForbiddenError('Forbidden');
    if (stamps.length !== 1) throw new ForbiddenError('A pilot changes one record at a time');
    const ownStamp = pilotStampOf(user);
    if (ownStamp !== undefined && stamps[0] !== ownStamp)
      throw new ForbiddenError('A pilot may change its own record only');
  },
};
