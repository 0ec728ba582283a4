import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo, type Socket, createServer as createTcpServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../core/index.ts';
import { parseOpenSearchConnection } from '../db/index.ts';
import { testBox } from './test-box.testkit.ts';

// A box whose JobParametersDB is in "OpenSearch", played by a small HTTP server that answers
// the few requests gridbox sends (template, ping, get, create, conditional update) until it
// is told to fail. It shows what a caller of the routes that write job parameters sees
// during an outage.

type Mode = 'up' | '503' | 'silent';
let mode: Mode = 'up';
const osWrites: { method: string; url: string; body: unknown }[] = [];
const held = new Set<ServerResponse>();
/** The stand-in's documents by path (`/index/id`), with their sequence numbers. */
const documents = new Map<string, { seqNo: number; source: Record<string, unknown> }>();
let nextSeqNo = 0;

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function answer(request: IncomingMessage, response: ServerResponse, body: string): void {
  if (mode === 'silent') {
    held.add(response);
    return;
  }
  if (mode === '503') {
    reply(response, 503, { error: { type: 'unavailable' }, status: 503 });
    return;
  }
  const url = new URL(request.url ?? '/', 'http://stand-in');
  const [, index, action, id] = url.pathname.split('/');
  const key = `/${index}/${id}`;
  const stored = documents.get(key);
  if (request.method === 'GET' && action === '_doc') {
    if (stored === undefined) reply(response, 404, { found: false });
    else reply(response, 200, { found: true, _seq_no: stored.seqNo, _primary_term: 1 });
    return;
  }
  if (action === '_create' || action === '_update') {
    osWrites.push({ method: request.method ?? '', url: request.url ?? '', body: JSON.parse(body) });
    const expected = action === '_create' ? undefined : Number(url.searchParams.get('if_seq_no'));
    if (stored?.seqNo !== expected) {
      reply(response, 409, { error: { type: 'version_conflict_engine_exception' }, status: 409 });
      return;
    }
    const fields = action === '_create' ? JSON.parse(body) : JSON.parse(body).doc;
    documents.set(key, { seqNo: nextSeqNo++, source: { ...stored?.source, ...fields } });
    reply(response, 200, { result: action === '_create' ? 'created' : 'updated' });
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(request.method === 'HEAD' ? undefined : '{"acknowledged":true}');
}

const fake = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => answer(request, response, body));
});
await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
const port = (fake.address() as AddressInfo).port;

const box = await testBox({
  openSearch: parseOpenSearchConnection(JSON.stringify({ hosts: `127.0.0.1:${port}` })),
  dbTimeoutMs: 300,
});
afterAll(async () => {
  await box.close();
  for (const response of held) response.destroy();
  fake.closeAllConnections();
  await new Promise<void>((resolve) => fake.close(() => resolve()));
});

const [vo] = box.vos as [string];
const alice = await box.token({ user: 'alice', vo });
const submitted = await box.inject('POST', '/api/jobs/jdl', alice, ['Executable = "a"']);
const jobId = submitted.json()[0].JobID as number;

const writes: [string, () => ReturnType<typeof box.inject>][] = [
  [
    'PATCH /api/jobs/metadata',
    () => box.inject('PATCH', '/api/jobs/metadata', alice, { [jobId]: { HostName: 'wn01' } }),
  ],
  [
    'PATCH /api/jobs/heartbeat',
    () =>
      box.inject('PATCH', '/api/jobs/heartbeat', alice, {
        [jobId]: { LoadAverage: 1, StandardOutput: 'hello' },
      }),
  ],
];

describe('job parameters in OpenSearch', () => {
  it('are written by metadata and heartbeats into DiracX’s document, each naming the version it read', async () => {
    mode = 'up';
    osWrites.length = 0;
    for (const [, write] of writes) expect((await write()).statusCode).toBeLessThan(300);
    const index = `job_parameters_${vo.toLowerCase()}_0m`;
    expect(osWrites).toEqual([
      {
        method: 'POST',
        url: `/${index}/_create/${jobId}`,
        body: { JobID: jobId, timestamp: expect.any(Number), HostName: 'wn01' },
      },
      {
        method: 'POST',
        url: `/${index}/_update/${jobId}?if_seq_no=0&if_primary_term=1`,
        body: { doc: { JobID: jobId, timestamp: expect.any(Number), StandardOutput: 'hello' } },
      },
    ]);
    expect(documents.get(`/${index}/${jobId}`)?.source).toEqual({
      JobID: jobId,
      timestamp: expect.any(Number),
      HostName: 'wn01',
      StandardOutput: 'hello',
    });
  });

  it.each([
    ['answers 503', '503' as const, 'JobParametersDB is unavailable: its server answered 503'],
    [
      'never answers',
      'silent' as const,
      'JobParametersDB is unavailable: its server did not answer within 300 ms',
    ],
  ])(
    'when OpenSearch %s, writes get 503 with Retry-After, and the box is not ready',
    async (_, outage, detail) => {
      mode = outage;
      try {
        for (const [, write] of writes) {
          const response = await write();
          expect(response.statusCode).toBe(503);
          expect(response.headers['retry-after']).toBe('10');
          expect(response.json()).toEqual({ detail });
        }
        const ready = await box.inject('GET', '/api/health/ready');
        expect(ready.statusCode).toBe(503);
        expect(ready.json()).toEqual({
          detail: expect.stringMatching(/^JobParametersDB is unavailable: /),
        });
      } finally {
        mode = 'up';
      }
      // Back up: the same app serves again, without a restart.
      expect((await box.inject('GET', '/api/health/ready')).statusCode).toBe(200);
      for (const [, write] of writes) expect((await write()).statusCode).toBeLessThan(300);
    },
  );
});

describe('a write refused because OpenSearch is away', () => {
  it('changes nothing else: the job’s attributes and heartbeat stay as they were', async () => {
    const before = await box.inject('POST', '/api/jobs/search', alice, {
      parameters: ['Site', 'HeartBeatTime', 'Status'],
      search: [{ parameter: 'JobID', operator: 'eq', value: jobId }],
    });
    mode = '503';
    try {
      const metadata = await box.inject('PATCH', '/api/jobs/metadata', alice, {
        [jobId]: { Site: 'LCG.Refused.org', HostName: 'wn02' },
      });
      expect(metadata.statusCode).toBe(503);
      const beat = await box.inject('PATCH', '/api/jobs/heartbeat', alice, {
        [jobId]: { LoadAverage: 2, StandardOutput: 'refused' },
      });
      expect(beat.statusCode).toBe(503);
    } finally {
      mode = 'up';
    }
    const after = await box.inject('POST', '/api/jobs/search', alice, {
      parameters: ['Site', 'HeartBeatTime', 'Status'],
      search: [{ parameter: 'JobID', operator: 'eq', value: jobId }],
    });
    expect(after.json()).toEqual(before.json());
  });
});

describe('a box whose OpenSearch is unreachable at start-up', () => {
  it('does not start, naming JobParametersDB', async () => {
    const listener = createTcpServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const deadPort = (listener.address() as AddressInfo).port;
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    const starting = testBox({
      openSearch: parseOpenSearchConnection(JSON.stringify({ hosts: `127.0.0.1:${deadPort}` })),
      dbTimeoutMs: 300,
    });
    await expect(starting).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(starting).rejects.toThrow(
      'JobParametersDB is unavailable: cannot connect to its server',
    );
  });
});

describe('closing a box with an OpenSearch', () => {
  it('closes its connections to OpenSearch', async () => {
    // 1. An OpenSearch stand-in that answers everything and records its open sockets.
    const sockets = new Set<Socket>();
    const server = createServer((request, response) => {
      request.resume();
      // With its length, as OpenSearch sends it: a HEAD answer without one ends the connection.
      const body = '{"acknowledged":true}';
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    // Idle connections stay open until a side closes them, not for Node's default 5 s.
    server.keepAliveTimeout = 0;
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      // 2. A box that put its template and pinged, over kept-alive connections.
      const closing = await testBox({
        openSearch: parseOpenSearchConnection(JSON.stringify({ hosts: `127.0.0.1:${port}` })),
      });
      expect((await closing.inject('GET', '/api/health/ready')).statusCode).toBe(200);
      expect(sockets.size).toBeGreaterThan(0);
      // 3. Closing the box ends every one of them (the test times out otherwise).
      const ended = [...sockets].map(
        (socket) => new Promise((resolve) => socket.once('close', resolve)),
      );
      await closing.close();
      await Promise.all(ended);
      expect(sockets.size).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
