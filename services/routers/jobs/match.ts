import Type from 'typebox';
import {
  MatchedJobSchema,
  MatchingTaskQueueSchema,
  ResourceDescriptionSchema,
  SlotDescriptionsSchema,
} from '../../core/index.ts';
import {
  matchJob,
  matchingQueues,
  matchingQueuesOfSlots,
  pilotStampOf,
} from '../../logic/index.ts';
import type { AccessPolicy } from '../access-policy.ts';
import type { WmsAction } from './access-policy.ts';
import { currentUser } from '../authenticate.ts';
import { type JobsApp, errors, security, tags } from './common.ts';
import { jobsDeps } from './deps.ts';

/** gridbox's matcher: what DIRAC's Matcher service does for pilots, over HTTP. */
export function matchRoutes(app: JobsApp, policy: AccessPolicy<WmsAction>): void {
  app.post(
    '/match',
    {
      schema: {
        operationId: 'jobs_match',
        tags,
        security,
        summary:
          "gridbox: a pilot asks for a job for its slot; 200 with the job, or 204 when none matches. DIRAC's Matcher.selectJob over TaskQueueDB.matchAndGetJob: the site mask applies, and a RequiredTag counts only when the description gives Tag (400 when it is not among the offered tags). Only VO and CPUTime are required; Site may be a list.",
        body: ResourceDescriptionSchema,
        response: {
          200: MatchedJobSchema,
          204: { type: 'null', description: 'No job matches.' },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { VO, PilotStamp } = request.body;
      await policy.check(request, 'match', { vo: VO, pilotStamp: PilotStamp });
      // A registered pilot's token says which pilot asks; the body need not repeat it.
      const pilotStamp = PilotStamp ?? pilotStampOf(currentUser(request));
      const matched = await matchJob(jobsDeps(app).match(), {
        ...request.body,
        PilotStamp: pilotStamp,
      });
      if (matched === undefined) return reply.code(204).send(null);
      // The Matched change is committed by now: the extensions' status observers see it.
      await app.jobHooks.statusChanged(
        [
          {
            JobID: matched.JobID,
            Owner: matched.Owner,
            OwnerGroup: matched.OwnerGroup,
            VO: matched.VO,
            from: 'Waiting',
            to: 'Matched',
            MinorStatus: 'Assigned',
            Source: 'Matcher',
            timeMs: app.clock.nowMs(),
          },
        ],
        app.configSource.current()?.config,
      );
      return matched;
    },
  );

  app.post(
    '/match/queues',
    {
      schema: {
        operationId: 'jobs_matching_task_queues',
        tags,
        security,
        summary:
          "gridbox: the task queues a slot could draw jobs from, with their job counts (DIRAC's TaskQueueDB.getMatchingTaskQueues, what a SiteDirector sizes its pilot submission by). Nothing is claimed. A RequiredTag is taken as given: 400 (Wrong conditions) when it is not among the offered tags. Only VO and CPUTime are required; Site may be a list.",
        body: ResourceDescriptionSchema,
        response: { 200: Type.Array(MatchingTaskQueueSchema), ...errors },
      },
    },
    async (request) => {
      const { VO, PilotStamp } = request.body;
      await policy.check(request, 'match', { vo: VO, pilotStamp: PilotStamp });
      return matchingQueues(jobsDeps(app).match(), request.body);
    },
  );

  app.post(
    '/match/queues/bulk',
    {
      schema: {
        operationId: 'jobs_matching_task_queues_bulk',
        tags,
        security,
        summary:
          'gridbox: /match/queues for many slots at once, answered in their order: one request per SiteDirector cycle instead of one per queue, with the jobs of shared task queues counted once.',
        body: SlotDescriptionsSchema,
        response: { 200: Type.Array(Type.Array(MatchingTaskQueueSchema)), ...errors },
      },
    },
    async (request) => {
      const asked = new Set<string>();
      for (const { VO, PilotStamp } of request.body.Slots) {
        const key = JSON.stringify([VO, PilotStamp]);
        if (asked.has(key)) continue;
        asked.add(key);
        await policy.check(request, 'match', { vo: VO, pilotStamp: PilotStamp });
      }
      return matchingQueuesOfSlots(jobsDeps(app).match(), request.body.Slots);
    },
  );
}
