import { ForbiddenError } from '../../core/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/**
 * DiracX's `sandbox` policy: uploading needs NormalUser; reading a sandbox needs
 * JobAdministrator, or NormalUser and a PFN under the caller's own VO, group and name
 * (`target`, the owner parts of the PFN).
 */
export const sandboxPolicy: AccessPolicy = {
  name: 'sandbox',
  check: async (request, action, target) => {
    const user = currentUser(request);
    const has = (property: string) => user.dirac_properties.includes(property);
    if (action === 'create') {
      if (!has('NormalUser')) throw new ForbiddenError('Forbidden');
      return;
    }
    if (has('JobAdministrator')) return;
    const owner = target as { vo: string; group: string; user: string } | undefined;
    const own =
      owner !== undefined &&
      owner.vo === user.vo &&
      owner.group === user.dirac_group &&
      owner.user === user.preferred_username;
    if (!has('NormalUser') || !own) throw new ForbiddenError('Forbidden');
  },
};
