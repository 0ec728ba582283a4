import { ForbiddenError } from '../../core/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/**
 * DiracX's `sandbox` policy, within the caller's VO: uploading needs NormalUser; reading a
 * sandbox (`target`, the owner parts of its PFN) needs JobAdministrator and a PFN of the
 * caller's VO, or NormalUser and a PFN under the caller's own VO, group and name;
 * assigning one to a job (`assign`) needs a PFN of the caller's VO.
 */
export type SandboxAction = 'create' | 'read' | 'assign';

export const sandboxPolicy: AccessPolicy<SandboxAction> = {
  name: 'sandbox',
  actions: ['create', 'read', 'assign'],
  check: async (request, action, target) => {
    const user = currentUser(request);
    const has = (property: string) => user.dirac_properties.includes(property);
    if (action === 'create') {
      if (!has('NormalUser')) throw new ForbiddenError('Forbidden');
      return;
    }
    const owner = target as { vo: string; group: string; user: string } | undefined;
    if (action === 'assign') {
      // Linking a sandbox to a job (whose manager the wms policy checked): one of the VO's.
      if (owner === undefined || owner.vo !== user.vo)
        throw new ForbiddenError('Sandboxes of another VO cannot be assigned');
      return;
    }
    if (has('JobAdministrator') && owner !== undefined && owner.vo === user.vo) return;
    const own =
      owner !== undefined &&
      owner.vo === user.vo &&
      owner.group === user.dirac_group &&
      owner.user === user.preferred_username;
    if (!has('NormalUser') || !own) throw new ForbiddenError('Forbidden');
  },
};
