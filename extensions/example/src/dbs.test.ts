import { describe, expect, it } from 'vitest';
import { openDatabases } from '../../../services/db/index.ts';
import { sqlBackends } from '../../../services/db/sql-backends.testkit.ts';
import { ExampleJobDB } from './example-job-db.ts';
import { exampleJobDb, lollygagDb } from './dbs.ts';
import { LollygagDB } from './lollygag-db.ts';

describe.each(sqlBackends)("the example's DBs on %s", (_backend, freshUrl) => {
  it('migrate, keep job tags beside the jobs, and keep owners per VO', async () => {
    await using databases = await openDatabases(await freshUrl(), [exampleJobDb, lollygagDb]);
    const jobDb = databases.dbs.get('JobDB') as ExampleJobDB;
    expect(jobDb).toBeInstanceOf(ExampleJobDB);
    await jobDb.setTags(7, ['b', 'a', 'b']);
    expect(await jobDb.tagsOf(7)).toEqual(['a', 'b']);
    await jobDb.setTags(7, []);
    expect(await jobDb.tagsOf(7)).toEqual([]);

    const lollygag = databases.dbs.get('LollygagDB') as LollygagDB;
    const id = await lollygag.insertOwner('vo1', 'alice');
    expect(await lollygag.insertOwner('vo1', 'alice')).toBe(id);
    expect(lollygag).toBeInstanceOf(LollygagDB);
    await lollygag.insertOwner('vo2', 'bob');
    expect(await lollygag.owners('vo1')).toEqual(['alice']);
  });
});
