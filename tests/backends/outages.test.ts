import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedServers, startServers } from '../../containers/start.ts';
import { resolveImage } from '../../containers/images.ts';
import type { JobParametersDB } from '../../services/db/index.ts';
import { type TestBox, testBox } from '../../services/app/test-box.testkit.ts';
import { parseOpenSearchConnection } from '../../services/db/index.ts';
import { freePort } from '../../services/core/free-port.testkit.ts';

/**
 * The database containers paused and stopped in the middle of a run, each outage a test:
 * while a server is away the API answers 503 with a detail within the timeout (no 500, no
 * hang) and the readiness probe says so; once it is back the box serves again by itself,
 * and nothing it acknowledged is missing. Each server here is the test's own (a pause of the
 * run's shared pair would fail the other suites), on a fixed host port, so that a stopped
 * and started container comes back where the box expects it.
 */
const enabled = process.env.TEST_CONTAINERS === '1';
const TIMEOUT_MS = 2000;
// How long a server may take to answer again after it is resumed or started: generous, since
// a start under CPU contention takes tens of seconds. Not an assertion on speed.
const RECOVERY_DEADLINE_MS = 240_000;

describe.skipIf(!enabled)('outages of the SQL server (needs TEST_CONTAINERS=1)', () => {
  let servers: StartedServers;
  let box: TestBox;
  const acknowledged: number[] = [];
  beforeAll(async () => {
    servers = await startServers({
      images: { mysql: image('mysql'), opensearch: image('opensearch') },
      only: 'mysql',
      hostPorts: { mysql: await freePort() },
      // A stopped container loses its tmpfs; this one must keep its data across a stop.
      tmpfs: false,
    });
    box = await testBox({ dbUrl: servers.mysqlUrl, dbTimeoutMs: TIMEOUT_MS });
  }, 300_000);
  afterAll(async () => {
    await box?.close();
    await servers?.stop();
  });

  const submit = async () => {
    const response = await box.inject('POST', '/api/jobs/jdl', await box.user(box.vos[0]!), [
      'Executable = "during-outage"',
    ]);
    if (response.statusCode === 201)
      acknowledged.push(...(response.json() as { JobID: number }[]).map((job) => job.JobID));
    return response;
  };

  it('answers 503 while the server is paused, and serves again once it is resumed', async () => {
    expect((await submit()).statusCode).toBe(201);
    await docker(servers.mysqlContainerId, 'pause');
    try {
      await expectUnavailable(box, submit, /JobDB|unavailable/i);
    } finally {
      await docker(servers.mysqlContainerId, 'unpause');
    }
    await waitUntilReady(box);
    expect((await submit()).statusCode).toBe(201);
  }, 300_000);

  it('answers 503 while the server is stopped, and serves again once it is started', async () => {
    await docker(servers.mysqlContainerId, 'stop');
    try {
      await expectUnavailable(box, submit, /JobDB|unavailable/i);
    } finally {
      await docker(servers.mysqlContainerId, 'start');
    }
    await waitUntilReady(box);
    expect((await submit()).statusCode).toBe(201);
  }, 300_000);

  it('lost no job it acknowledged', async () => {
    const found = await box.inject('POST', '/api/jobs/search', await box.user(box.vos[0]!), {
      parameters: ['JobID'],
      search: [{ parameter: 'JobID', operator: 'in', values: acknowledged }],
    });
    expect(found.statusCode).toBe(200);
    expect((found.json() as { JobID: number }[]).map((job) => job.JobID).sort()).toEqual(
      [...acknowledged].sort(),
    );
    expect(acknowledged.length).toBeGreaterThanOrEqual(3);
  });
});

describe.skipIf(!enabled)('outages of OpenSearch (needs TEST_CONTAINERS=1)', () => {
  let servers: StartedServers;
  let box: TestBox;
  let vo: string;
  let pilot: string;
  let jobId: number;
  /** The StandardOutput of every heartbeat the API acknowledged with 200, in order. */
  const acknowledged: string[] = [];
  beforeAll(async () => {
    servers = await startServers({
      images: { mysql: image('mysql'), opensearch: image('opensearch') },
      only: 'opensearch',
      hostPorts: { opensearch: await freePort() },
    });
    box = await testBox({
      openSearch: parseOpenSearchConnection(
        JSON.stringify({ hosts: servers.openSearchUrl, use_ssl: false }),
      ),
      dbTimeoutMs: TIMEOUT_MS,
    });
    vo = box.vos[0]!;
    const admin = await box.admin(vo);
    const registered = await box.inject('POST', '/api/pilots/', admin, {
      pilot_stamp: 'outage-pilot',
      vo,
    });
    const traded = await box.inject('POST', '/api/auth/pilot-token', undefined, {
      pilot_stamp: 'outage-pilot',
      pilot_secret: registered.json().pilot_secret,
    });
    pilot = traded.json().access_token as string;
    await box.inject('POST', '/api/jobs/jdl', await box.user(vo), ['Executable = "x"']);
    const matched = await box.inject('POST', '/api/jobs/match', pilot, {
      VO: vo,
      Site: Object.keys(Object.values(box.config.Resources.Sites)[0]!)[0],
      CPUTime: 100_000,
    });
    jobId = matched.json().JobID as number;
  }, 400_000);
  afterAll(async () => {
    await box?.close();
    await servers?.stop();
  });

  let beats = 0;
  const heartbeat = async () => {
    const line = `line ${++beats}`;
    const response = await box.inject('PATCH', '/api/jobs/heartbeat', pilot, {
      [jobId]: { LoadAverage: 1, StandardOutput: line },
    });
    if (response.statusCode === 200) acknowledged.push(line);
    return response;
  };

  it('refuses job parameters with 503 while OpenSearch is paused, and takes them once it is back', async () => {
    expect((await heartbeat()).statusCode).toBe(200);
    await docker(servers.openSearchContainerId, 'pause');
    try {
      await expectUnavailable(box, heartbeat, /JobParametersDB|unavailable/i);
    } finally {
      await docker(servers.openSearchContainerId, 'unpause');
    }
    await waitUntilReady(box);
    expect((await heartbeat()).statusCode).toBe(200);
    // The last acknowledged write is what the document holds: none was dropped after its 200.
    const db = box.app.dbs.get('JobParametersDB') as JobParametersDB;
    expect((await db.get(vo, jobId))?.StandardOutput).toBe(acknowledged.at(-1));
  }, 300_000);
});

function image(kind: 'mysql' | 'opensearch'): string {
  const setting =
    kind === 'mysql' ? process.env.GRIDBOX_MYSQL_IMAGE : process.env.GRIDBOX_OPENSEARCH_IMAGE;
  return resolveImage(setting ?? 'local', kind);
}

/** While the server is away: the request and the readiness probe answer 503 with a detail. */
async function expectUnavailable(
  box: TestBox,
  request: () => Promise<{ statusCode: number; json(): unknown }>,
  detail: RegExp,
): Promise<void> {
  const refused = await request();
  expect(refused.statusCode).toBe(503);
  expect((refused.json() as { detail: string }).detail).toMatch(detail);
  const ready = await box.inject('GET', '/api/health/ready');
  expect(ready.statusCode).toBe(503);
  expect((ready.json() as { detail: string }).detail).toMatch(detail);
}

/** Polls the readiness probe until it answers 200 (bounded by RECOVERY_DEADLINE_MS). */
async function waitUntilReady(box: TestBox): Promise<void> {
  const deadline = Date.now() + RECOVERY_DEADLINE_MS;
  let last = 0;
  while (Date.now() < deadline) {
    last = (await box.inject('GET', '/api/health/ready')).statusCode;
    if (last === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the box was still not ready (last answer ${last}) after the server came back`);
}

async function docker(id: string, action: 'pause' | 'unpause' | 'stop' | 'start'): Promise<void> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const container = (await getContainerRuntimeClient()).container.getById(id);
  if (action === 'pause') await container.pause();
  else if (action === 'unpause') await container.unpause();
  else if (action === 'stop') await container.stop();
  else await container.start();
}
