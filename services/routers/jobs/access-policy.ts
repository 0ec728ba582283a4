import { ForbiddenError } from '../../core/index.ts';
import { pilotStampOf } from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import { currentUser } from '../authenticate.ts';

/** What a request does to jobs, as DiracX's WMS policy names it. */
export type WmsAction = 'create' | 'read' | 'manage' | 'query' | 'pilot' | 'match';

/** What a `match` touches: the VO of the slot, and the pilot the match is recorded for. */
export interface MatchTarget {
  vo: string;
  pilotStamp: string | undefined;
}

/**
 * DiracX's `wms` policy, with gridbox's VO isolation: no property reaches across VOs.
 *
 * - `create` needs NormalUser, even for administrators.
 * - `query` needs NormalUser or JobAdministrator; what a search sees is scoped by the logic.
 * - `read` and `manage` (`pilot`, a pilot reporting, is manage) take the list of job ids as
 *   `target`. JobAdministrator may touch any job of its own VO. A GenericPilot may manage
 *   only jobs of its VO matched to it (JobToPilotMapping): a registered pilot's token
 *   (bound to its stamp) the jobs matched to that stamp, the VO's generic pilot identity
 *   (no stamp) the jobs matched to any pilot of its VO. For these two, ids of jobs that do
 *   not exist pass, so the handler answers 404 as before. Anyone else needs NormalUser and
 *   may touch only jobs that all exist and are their own, in their VO.
 * - `match` (gridbox's matcher) is for GenericPilot and JobAdministrator, for slots of their
 *   own VO; `target` is a {@link MatchTarget}. A stamp-bound token records matches under its
 *   own stamp only; any other caller may name a pilot registered in its VO.
 */
export const wmsPolicy: AccessPolicy = {
  name: 'wms',
  check: async (request, action, target) => {
    const user = currentUser(request);
    const has = (property: string) => user.dirac_properties.includes(property);
    const pilotAgentsDb = () => request.server.dbs.get('PilotAgentsDB');
    if (action === 'match') {
      if (!has('GenericPilot') && !has('JobAdministrator')) throw new ForbiddenError('Forbidden');
      const { vo, pilotStamp } = target as MatchTarget;
      if (vo !== user.vo) throw new ForbiddenError('A pilot matches jobs of its own VO only');
      const ownStamp = pilotStampOf(user);
      if (pilotStamp === undefined || pilotStamp === ownStamp) return;
      if (ownStamp !== undefined)
        throw new ForbiddenError(`This token belongs to pilot ${ownStamp}, not ${pilotStamp}`);
      const vos = await pilotAgentsDb().vosOf([pilotStamp]);
      if (vos.get(pilotStamp) !== user.vo)
        throw new ForbiddenError(`Pilot ${pilotStamp} is not registered in VO ${user.vo}`);
      return;
    }
    const effective = action === 'pilot' ? 'manage' : action;
    if (effective === 'create') {
      if (!has('NormalUser')) throw new ForbiddenError('Forbidden');
      return;
    }
    if (effective === 'query') {
      if (!has('NormalUser') && !has('JobAdministrator')) throw new ForbiddenError('Forbidden');
      return;
    }
    const jobIds = (target as readonly number[] | undefined) ?? [];
    const jobs = await request.server.dbs.get('JobDB').getStates(jobIds);
    const existing = jobIds.filter((id) => jobs.has(id));
    const inOwnVo = existing.every((id) => jobs.get(id)!.vo === user.vo);
    if (has('JobAdministrator')) {
      if (inOwnVo) return;
      throw new ForbiddenError('Administrators act on jobs of their own VO only');
    }
    if (effective === 'manage' && has('GenericPilot') && inOwnVo) {
      const ownStamp = pilotStampOf(user);
      const pilots = await pilotAgentsDb().pilotsMappedToJobs(existing);
      const matchedHere = existing.every((id) =>
        (pilots.get(id) ?? []).some(
          (pilot) => pilot.vo === user.vo && (ownStamp === undefined || pilot.stamp === ownStamp),
        ),
      );
      if (matchedHere) return;
    }
    if (!has('NormalUser')) {
      throw new ForbiddenError(
        has('GenericPilot') ? 'A pilot acts only on the jobs matched to it' : 'Forbidden',
      );
    }
    const allMine = jobIds.every((id) => {
      const job = jobs.get(id);
      return job !== undefined && job.owner === user.preferred_username && job.vo === user.vo;
    });
    if (!allMine) throw new ForbiddenError('Forbidden');
  },
};
