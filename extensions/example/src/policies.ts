import { ForbiddenError } from '../../../services/core/index.ts';
import {
  type AccessPolicy,
  type WmsAction,
  currentUser,
  wmsPolicy,
} from '../../../services/routers/index.ts';
import { exampleSettings } from './example-section.ts';

/**
 * gridbox's `wms` policy, replaced (same name): it decides every action the built-in does
 * (gridbox refuses to start otherwise), refuses job submission to the VO's
 * `Operations.<vo>.Example.FrozenUsers`, and leaves everything else to the built-in.
 */
export const exampleWmsPolicy: AccessPolicy<WmsAction> = {
  name: 'wms',
  actions: wmsPolicy.actions,
  check: async (request, action, target) => {
    if (action === 'create') {
      const user = currentUser(request);
      const { FrozenUsers } = exampleSettings(
        request.server.configSource.current()?.config,
        user.vo,
      );
      if (FrozenUsers.includes(user.preferred_username))
        throw new ForbiddenError(`${user.preferred_username} is frozen and may not submit jobs`);
    }
    await wmsPolicy.check(request, action, target);
  },
};

export type LollygagAction = 'read' | 'write';

/** A new policy (a new name) for the lollygag router: anyone reads, NormalUsers write. */
export const lollygagPolicy: AccessPolicy<LollygagAction> = {
  name: 'lollygag',
  actions: ['read', 'write'],
  check: (request, action) => {
    if (action === 'write' && !currentUser(request).dirac_properties.includes('NormalUser'))
      return Promise.reject(new ForbiddenError('Only a NormalUser records owners'));
    return Promise.resolve();
  },
};
