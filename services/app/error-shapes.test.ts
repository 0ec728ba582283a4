import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { testBox } from './test-box.testkit.ts';

const box = await testBox({ bodyLimitBytes: 64 * 1024, listen: true });
afterAll(() => box.close());
const { app } = box;
const port = Number(new URL(box.url!).port);
const bearer = `Bearer ${await box.token({ lifetimeMinutes: 20 })}`;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes as they are on one connection (asking the server to close it) and reads until
 * it does: some of
 * these requests never reach Fastify, so no HTTP client would send them or read the answer.
 */
function rawRequest(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = (head ?? '').split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]);
      if (Number.isNaN(status)) return reject(new Error(`no HTTP response in ${text}`));
      const headers = Object.fromEntries(
        headerLines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({ status, headers, body: rest.join('\r\n\r\n') });
    });
  });
}

const get = (path: string, headers = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;
const send = (method: string, path: string, contentType: string | undefined, body: string) =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer}\r\n` +
  (contentType === undefined ? '' : `Content-Type: ${contentType}\r\n`) +
  `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;

describe('errors answered before a route runs have the {"detail": ...} shape', () => {
  it.each([
    [
      'headers over the size limit',
      431,
      'Request header fields too large',
      get('/api/health/live', `X-Padding: ${'a'.repeat(20_000)}\r\n`),
    ],
    [
      'a URL over the size limit',
      414,
      'URI Too Long',
      get(`/api/health/live?padding=${'a'.repeat(20_000)}`),
    ],
    [
      'a path parameter longer than the router takes',
      414,
      expect.stringContaining('exceeding the max param length'),
      get(`/api/jobs/${'1'.repeat(200)}/sandbox`, `Authorization: ${bearer}\r\n`),
    ],
    [
      'a path parameter that does not decode',
      400,
      expect.stringContaining('is not a valid url component'),
      get('/api/jobs/%E0%A4%A/sandbox', `Authorization: ${bearer}\r\n`),
    ],
    ['a request line that is not HTTP', 400, 'Bad Request', 'NOT HTTP AT ALL\r\n\r\n'],
    [
      'an HTTP/1.1 request without Host',
      400,
      'Missing Host header',
      'GET /api/health/live HTTP/1.1\r\nConnection: close\r\n\r\n',
    ],
    [
      'malformed JSON',
      400,
      "Body is not valid JSON but content-type is set to 'application/json'",
      send('POST', '/api/jobs/search', 'application/json', '{"search": ['),
    ],
    [
      'an empty JSON body',
      400,
      "Body cannot be empty when content-type is set to 'application/json'",
      send('POST', '/api/jobs/search', 'application/json', ''),
    ],
    [
      'a content type the route does not take',
      415,
      'Unsupported Media Type',
      send('POST', '/api/jobs/search', 'application/xml', '<search/>'),
    ],
    [
      'a body over the size limit',
      413,
      'Request body is too large',
      send('POST', '/api/jobs/search', 'application/json', `"${'a'.repeat(70_000)}"`),
    ],
    ['a path nothing serves', 404, 'Not Found', get('/api/nothing-here')],
    [
      'a body it cannot read, for a path nothing serves',
      404,
      'Not Found',
      send('POST', '/api/nothing-here', 'application/json', '{'),
    ],
    [
      'a QUERY without a content type, for a path served by GET',
      405,
      'Method Not Allowed',
      'QUERY /api/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    ],
  ])('%s answers %s', async (_name, status, detail, request) => {
    const response = await rawRequest(request);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toEqual({ detail });
  });

  it.each([
    ['PUT', '/api/health/live', 'GET, HEAD'],
    ['DELETE', '/api/jobs/search', 'POST'],
    ['POST', '/api/jobs/status', 'GET, HEAD, PATCH'],
    ['POST', '/api/jobs/123/sandbox', 'GET, HEAD, DELETE'],
  ])('answers %s %s with 405 and the methods it takes (Allow: %s)', async (method, url, allow) => {
    const response = await rawRequest(send(method, url, 'application/json', '{}'));
    if (allow === null) {
      expect(response.status).not.toBe(405);
      return;
    }
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe(allow);
    expect(JSON.parse(response.body)).toEqual({ detail: 'Method Not Allowed' });
  });
});

describe('the OpenAPI document', () => {
  it('declares the statuses Fastify and Node answer on every route', async () => {
    const document = (await app.inject('/api/openapi.json')).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const expected = ['400', '414', '431'];
        if (method !== 'get') expected.push('413', '415');
        for (const status of expected) {
          if (!(status in operation.responses)) missing.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('states the key pattern of records and leaves fields with a default optional', async () => {
    const document = (await app.inject('/api/openapi.json')).json();
    const body = (path: string, method: string, type = 'application/json') => {
      const schema = document.paths[path][method].requestBody.content[type].schema;
      // A named schema is stated once, under components/schemas.
      return schema.$ref === undefined
        ? schema
        : document.components.schemas[schema.$ref.split('/').pop()];
    };
    expect(body('/api/jobs/heartbeat', 'patch').propertyNames).toEqual({ pattern: '^[0-9]+$' });
    expect(body('/api/jobs/status', 'patch').propertyNames).toEqual({ pattern: '^[0-9]+$' });
    expect(body('/api/auth/revoke', 'post', 'application/x-www-form-urlencoded').required).toEqual([
      'token',
    ]);
    const page = document.paths['/api/jobs/search'].post.parameters.find(
      (parameter: { name: string }) => parameter.name === 'page',
    );
    expect(page.required).toBe(false);
  });
});

describe('request bodies are not coerced to the schema', () => {
  const inject = (method: 'POST' | 'PATCH', url: string, payload: unknown) =>
    app.inject({
      method,
      url,
      payload: JSON.stringify(payload),
      headers: { authorization: bearer, 'content-type': 'application/json' },
    });

  it.each([
    ['POST', '/api/jobs/reschedule', { job_ids: '5' }, ['body', 'job_ids']],
    ['POST', '/api/jobs/reschedule', { job_ids: [true] }, ['body', 'job_ids', 0]],
    ['POST', '/api/jobs/reschedule', { job_ids: ['5'] }, ['body', 'job_ids', 0]],
    ['POST', '/api/jobs/jdl', [true], ['body', 0]],
    ['POST', '/api/jobs/jdl', 'Executable = "x"', ['body']],
    ['POST', '/api/catalog/files/remove', { lfns: false }, ['body', 'lfns']],
    ['POST', '/api/jobs/sandbox/unassign', { job_ids: 5 }, ['body', 'job_ids']],
  ] as const)('%s %s %j answers 422 at %j', async (method, url, payload, loc) => {
    const response = await inject(method, url, payload);
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toContainEqual(expect.objectContaining({ loc }));
  });
});

describe('query strings are still read as their schema types', () => {
  it('names the value it refused in a query string, as FastAPI does', async () => {
    const response = await app.inject({
      url: '/api/jobs/status?job_ids=abc',
      headers: { authorization: bearer },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      expect.objectContaining({ loc: ['query', 'job_ids', 0], input: 'abc' }),
    ]);
  });

  it('takes repeated and single job_ids, page numbers and booleans from the query string', async () => {
    const submitted = await app.inject({
      method: 'POST',
      url: '/api/jobs/jdl',
      payload: ['Executable = "x"', 'Executable = "y"'],
      headers: { authorization: bearer },
    });
    expect(submitted.statusCode).toBe(201);
    const [a, b] = (submitted.json() as { JobID: number }[]).map((job) => job.JobID);
    const headers = { authorization: bearer };

    const both = await app.inject({ url: `/api/jobs/status?job_ids=${a}&job_ids=${b}`, headers });
    expect(both.statusCode).toBe(200);
    expect(Object.keys(both.json()).sort()).toEqual([String(a), String(b)].sort());

    const one = await app.inject({ url: `/api/jobs/status?job_ids=${a}`, headers });
    expect(one.statusCode).toBe(200);
    expect(Object.keys(one.json())).toEqual([String(a)]);

    const page = await app.inject({
      method: 'POST',
      url: '/api/jobs/search?page=1&per_page=1',
      payload: {},
      headers,
    });
    expect(page.statusCode).toBe(206);

    const reset = await app.inject({
      method: 'POST',
      url: '/api/jobs/reschedule?reset_jobs=true',
      payload: { job_ids: [a] },
      headers,
    });
    expect(reset.statusCode).toBe(200);
  });
});
