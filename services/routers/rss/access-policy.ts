import { ForbiddenError } from '../../core/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/**
 * gridbox's `rss` policy (DiracX's RSS routes are open to any token and read-only): anyone
 * reads the site statuses of their VO; `manage` (`target`, the VO whose status is set)
 * needs ServiceAdministrator or SiteManager, for the caller's own VO only, so no VO's
 * administrator can ban a site for another VO, nor for every VO at once ('all').
 */
export type RssAction = 'read' | 'manage';

export const rssPolicy: AccessPolicy<RssAction> = {
  name: 'rss',
  actions: ['read', 'manage'],
  check: async (request, action, target) => {
    if (action === 'read') return;
    const user = currentUser(request);
    const has = (property: string) => user.dirac_properties.includes(property);
    if (!has('ServiceAdministrator') && !has('SiteManager')) throw new ForbiddenError('Forbidden');
    if (target !== user.vo)
      throw new ForbiddenError(`Site statuses are set for the caller's VO (${user.vo}) only`);
  },
};
