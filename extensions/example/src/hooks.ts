import {
  FINAL_STATUSES,
  type JdlRecord,
  attribute,
  jdlString,
} from '../../../services/core/index.ts';
import type { JobHookDefinition } from '../../../services/logic/index.ts';
import { exampleSettings } from './example-section.ts';

/** The text of a string attribute, or undefined. */
function text(jdl: JdlRecord, name: string): string | undefined {
  const value = attribute(jdl, name);
  return value?.type === 'string' ? value.value : undefined;
}

/**
 * The example's logic hooks, each off until a VO's `Operations.<vo>.Example` turns it on (so
 * the scenario library runs as on gridbox alone):
 * - before a job is submitted (or rescheduled), as an optimizer step of an installation
 *   would: refuse an executable of `BannedExecutables`, and give a job without a JobGroup
 *   the `DefaultJobGroup`;
 * - after status changes are committed: record the jobs that reached a final status in
 *   LollygagDB when `RecordEndedJobs` is on (read back at GET /api/lollygag/ended_jobs).
 */
export const exampleHooks: JobHookDefinition<'LollygagDB'> = {
  name: 'example',
  needs: { dbs: ['LollygagDB'] },
  beforeSubmit: (job, { config }) => {
    const { BannedExecutables, DefaultJobGroup } = exampleSettings(config, job.submitter.vo);
    const executable = text(job.jdl, 'Executable');
    if (executable !== undefined && BannedExecutables.includes(executable))
      return {
        refuse: `The executable ${executable} is banned in VO ${job.submitter.vo} (Operations/${job.submitter.vo}/Example/BannedExecutables)`,
      };
    if (DefaultJobGroup !== '' && text(job.jdl, 'JobGroup') === undefined)
      return {
        jdl: { attributes: [...job.jdl.attributes, ['JobGroup', jdlString(DefaultJobGroup)]] },
      };
    return undefined;
  },
  afterStatusChange: async (changes, { dbs, config }) => {
    const ended = changes.filter(
      (change) =>
        FINAL_STATUSES.includes(change.to) && exampleSettings(config, change.VO).RecordEndedJobs,
    );
    await dbs
      .get('LollygagDB')
      .recordEnded(ended.map(({ JobID, VO, Owner, to }) => ({ JobID, VO, Owner, Status: to })));
  },
};
