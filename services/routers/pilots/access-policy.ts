import { ForbiddenError } from '../../core/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/**
 * DiracX's `pilot` policy: ServiceAdministrator may manage any pilot; a GenericPilot may
 * register into its own VO (the legacy path); reading is for everyone but pilots.
 * `target` is the VO the request touches.
 */
export const pilotPolicy: AccessPolicy = {
  name: 'pilot',
  check: async (request, action, target) => {
    const user = currentUser(request);
    const properties = user.dirac_properties;
    if (properties.includes('ServiceAdministrator')) return;
    if (action === 'read') {
      if (properties.includes('GenericPilot'))
        throw new ForbiddenError('Pilots cannot read pilot records');
      return;
    }
    // A pilot may touch its own VO; which records exactly is the logic's to check.
    if (properties.includes('GenericPilot') && target === user.vo) return;
    throw new ForbiddenError('Forbidden');
  },
};
