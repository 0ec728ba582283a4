import { type Scenario, type Step, steps } from '../../../scenarios/index.ts';

/**
 * The example's own route, driven as a user would through the client's `request`: alice
 * tags a job she submitted and records herself as an owner, then reads both back.
 */
function tagAndRecord(alias: string): Step {
  return {
    kind: 'example.lollygag',
    title: `${alias} tags her first job and records herself as an owner`,
    run: async (ctx) => {
      const { client, identity } = ctx.user(alias);
      const [jobId] = ctx.submitted.get(alias) ?? [];
      if (jobId === undefined) throw new Error(`${alias} has submitted no job yet`);
      const tags = ['calibration', 'example'];
      await client.request('Tagging a job', 'PUT', `/api/lollygag/jobs/${jobId}/tags`, tags, [204]);
      const read = await client.request<string[]>(
        'Reading job tags',
        'GET',
        `/api/lollygag/jobs/${jobId}/tags`,
      );
      ctx.check(
        'a job keeps the tags set on it',
        JSON.stringify(read) === JSON.stringify(tags),
        `job ${jobId} has tags ${JSON.stringify(read)}`,
      );
      await client.request(
        'Recording an owner',
        'POST',
        `/api/lollygag/insert_owner/${encodeURIComponent(identity.username)}`,
      );
      const owners = await client.request<string[]>(
        'Listing owners',
        'GET',
        '/api/lollygag/get_owners',
      );
      ctx.check(
        'a recorded owner is listed',
        owners.includes(identity.username),
        `owners are ${JSON.stringify(owners)}`,
      );
    },
  };
}

export const lollygag: Scenario = {
  name: 'example-lollygag',
  description:
    "The example extension's lollygag router end to end: job tags kept in the extended JobDB, owners in LollygagDB, then the jobs run to the end on the grid.",
  steps: [
    steps.login('alice'),
    steps.submit('alice', 2),
    tagAndRecord('alice'),
    steps.startGrid(),
    steps.waitFor('every job has ended', steps.when.allEnded, 24 * 3600),
    steps.expectJobs({ Done: 2 }),
  ],
};
