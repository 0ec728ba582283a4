import { type Server, type Socket, createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, InvalidRequestError } from '../../core/index.ts';
import { parseOpenSearchConnection } from '../opensearch/index.ts';
import { OpenSearchJobParametersDB } from './opensearch-job-parameters-db.ts';

// Outages at the DB level, without an OpenSearch: every call must reject with
// DatabaseUnavailableError (503 with Retry-After at the API) instead of hanging or
// failing with a 500. The deadlines are short so the tests are quick; nothing here asserts
// on how long a call took, only on what it answered.
const TIMEOUT_MS = 300;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connectTo(port: number): OpenSearchJobParametersDB {
  const db = OpenSearchJobParametersDB.connect(
    parseOpenSearchConnection(JSON.stringify({ hosts: `127.0.0.1:${port}` })),
    TIMEOUT_MS,
  );
  cleanups.push(() => db.close());
  return db;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port on 127.0.0.1 where nothing listens (one the system just gave out and took back). */
async function deadPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

/** A server that accepts connections and never answers, holding each socket open. */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await close(server);
  });
  return port;
}

/** An HTTP server that answers every request with `status` and a JSON error body. */
async function answeringServer(status: number): Promise<number> {
  const server = createHttpServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { type: 'cluster_block_exception' }, status }));
  });
  const port = await listen(server);
  cleanups.push(() => {
    server.closeAllConnections();
    return close(server);
  });
  return port;
}

/** Every call the DB offers, each of which must reject the same way during an outage. */
const calls: [string, (db: OpenSearchJobParametersDB) => Promise<unknown>][] = [
  ['ping', (db) => db.ping()],
  ['upsert', (db) => db.upsert('lhcb', 1, { StandardOutput: 'x' }, 1)],
  ['get', (db) => db.get('lhcb', 1)],
  ['createIndexTemplate', (db) => db.createIndexTemplate()],
];

const outages: [string, () => Promise<number>, RegExp][] = [
  [
    'no server listens on the port',
    deadPort,
    /^JobParametersDB is unavailable: cannot connect to its server$/,
  ],
  [
    'the server accepts and never answers',
    silentServer,
    /^JobParametersDB is unavailable: its server did not answer within 300 ms$/,
  ],
  [
    'the server answers 503',
    () => answeringServer(503),
    /^JobParametersDB is unavailable: its server answered 503$/,
  ],
  [
    'the server answers 500',
    () => answeringServer(500),
    /^JobParametersDB is unavailable: its server answered 500$/,
  ],
  [
    'the server refuses the credentials',
    () => answeringServer(401),
    /^JobParametersDB is unavailable: its server refused gridbox's credentials \(401\)$/,
  ],
  [
    'the server answers another error (a version conflict past its retries)',
    () => answeringServer(409),
    /^JobParametersDB is unavailable: its server answered 409 \((cluster_block_exception|status 409)\)$/,
  ],
];

describe.each(outages)('OpenSearchJobParametersDB when %s', (_, start, message) => {
  it.each(calls)('rejects %s with DatabaseUnavailableError', async (_name, call) => {
    const db = connectTo(await start());
    const error: unknown = await call(db).then(
      () => 'resolved',
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as DatabaseUnavailableError).statusCode).toBe(503);
    expect((error as Error).message).toMatch(message);
  });
});

describe('OpenSearchJobParametersDB refused a request', () => {
  it('does not start when its server refuses the index template, saying why', async () => {
    const db = connectTo(await answeringServer(400));
    const refused = db.createIndexTemplate();
    await expect(refused).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(refused).rejects.toThrow(
      'JobParametersDB is unavailable: its server refused the index template: cluster_block_exception',
    );
  });

  it('refuses parameters the server refuses (400) with InvalidRequestError', async () => {
    const db = connectTo(await answeringServer(400));
    const error: unknown = await db
      .upsert('lhcb', 3, { 'Memory(MB)': 'lots' }, 1)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toBe(
      'JobParametersDB refused the parameters of job 3: cluster_block_exception',
    );
  });
});

describe('OpenSearchJobParametersDB after an outage', () => {
  it('refuses to start when its server is unreachable, naming the DB', async () => {
    const connection = parseOpenSearchConnection(
      JSON.stringify({ hosts: `127.0.0.1:${await deadPort()}` }),
    );
    await expect(OpenSearchJobParametersDB.open(connection, TIMEOUT_MS)).rejects.toThrow(
      DatabaseUnavailableError,
    );
  });

  it('reconnects by itself when its server is back on the same port', async () => {
    // 1. A port where nothing listens yet: the ping fails.
    const port = await deadPort();
    const db = connectTo(port);
    await expect(db.ping()).rejects.toThrow(DatabaseUnavailableError);
    // 2. The server comes back on that port: the next ping succeeds without a new client.
    const server = createHttpServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      return close(server);
    });
    await expect(db.ping()).resolves.toBeUndefined();
  });
});
