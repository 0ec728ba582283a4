import { ForbiddenError } from '../../core/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/** Properties that let a caller write to the catalog; pilots register their jobs' outputs. */
const WRITER_PROPERTIES = [
  'NormalUser',
  'GenericPilot',
  'Pilot',
  'ProductionManagement',
  'FileCatalogManagement',
  'ServiceAdministrator',
];

/**
 * The file catalog's `catalog` policy. Which paths a caller may touch is decided per LFN by
 * the logic (its own VO's tree only); this decides who may use the catalog at all: `read`
 * is open to every authenticated caller, `write` to users, pilots and managers.
 */
export type CatalogAction = 'read' | 'write';

export const catalogPolicy: AccessPolicy<CatalogAction> = {
  name: 'catalog',
  actions: ['read', 'write'],
  check: async (request, action) => {
    if (action === 'read') return;
    const properties = currentUser(request).dirac_properties;
    if (!properties.some((p) => WRITER_PROPERTIES.includes(p)))
      throw new ForbiddenError('Forbidden');
  },
};
