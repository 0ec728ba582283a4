import { afterAll, describe, expect, it } from 'vitest';
import { testBox } from '../services/app/test-box.testkit.ts';
import { DiracxHttpError } from './diracx-auth.ts';
import { DiracxClient } from './diracx-client.ts';
import { GridboxFileCatalog } from './file-catalog.ts';
import type { Transport, TransportRequest } from './transport.ts';

/*
 * Every method of the client must reach a route of the OpenAPI document, with that route's
 * method and only query parameters it declares. Each method is called once through a
 * transport that records the request and refuses it; the table of calls must name exactly
 * the methods of the client's prototypes, so a new method fails here until it has a row.
 */

/** Methods that are no route of their own. */
const NOT_ROUTES = new Set([
  'constructor',
  // The same client, acting as someone else.
  'as',
  // The same client over another transport.
  'via',
  // The generic call every other method is built on.
  'request',
]);

const when = '2026-06-01T12:00:00+00:00';
const CLIENT_CALLS: Record<string, (client: DiracxClient) => Promise<unknown>> = {
  submitJdl: (c) => c.submitJdl(['Executable = "x"']),
  searchJobs: (c) => c.searchJobs({ parameters: ['JobID'] }, 2, 10),
  summarizeJobs: (c) => c.summarizeJobs(['Status']),
  match: (c) => c.match({ VO: 'vo', CPUTime: 1000 }),
  setJobStatuses: (c) => c.setJobStatuses({ 1: { [when]: { Status: 'Running' } } }, true),
  heartbeat: (c) => c.heartbeat({ 1: { LoadAverage: 1 } }),
  registerPilot: (c) => c.registerPilot({ pilot_stamp: 'p', vo: 'vo' }),
  updatePilots: (c) => c.updatePilots({ p: { Status: 'Running' } }),
  searchPilots: (c) => c.searchPilots({}, 1, 5),
  pilotToken: (c) => c.pilotToken('p', 'secret'),
  setSiteStatus: (c) => c.setSiteStatus('LCG.Site.xx', 'Banned', 'downtime'),
  uploadSandbox: (c) => c.uploadSandbox(Buffer.from('tarball')),
  jobSandbox: (c) => c.jobSandbox(1, 'output'),
  downloadSandbox: (c) => c.downloadSandbox('SB:SandboxSE|/S3/b/vo/g/u/sha256:00.tar.bz2'),
};

const CATALOG_CALLS: Record<string, (catalog: GridboxFileCatalog) => Promise<unknown>> = {
  addFiles: (c) =>
    c.addFiles({ '/vo/f': { PFN: 'root://x/f', SE: 'SE', Size: 1, Checksum: '0000000a' } }),
  removeFiles: (c) => c.removeFiles(['/vo/f']),
  getFileMetadata: (c) => c.getFileMetadata(['/vo/f']),
  addReplicas: (c) => c.addReplicas({ '/vo/f': { PFN: 'root://y/f', SE: 'SE2' } }),
  removeReplicas: (c) => c.removeReplicas({ '/vo/f': { SE: 'SE2' } }),
  getReplicas: (c) => c.getReplicas(['/vo/f'], true),
  listDirectory: (c) => c.listDirectory('/vo'),
  createDirectory: (c) => c.createDirectory('/vo/d'),
  setMetadata: (c) => c.setMetadata('/vo/d', { A: 1 }),
  findFiles: (c) => c.findFiles('/vo', { A: 1 }),
};

const methodsOf = (prototype: object) =>
  Object.getOwnPropertyNames(prototype)
    .filter((name) => !NOT_ROUTES.has(name))
    .sort();

/** A transport that keeps each request and answers every one with a refusal. */
function recordingTransport(): Transport & { requests: TransportRequest[] } {
  const requests: TransportRequest[] = [];
  const refuse = async () => ({
    status: 599,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{"detail":"recorded"}'),
  });
  return {
    name: 'inject',
    requests,
    request: async (request) => {
      requests.push(request);
      return refuse();
    },
    requestUrl: refuse,
  };
}

type Operation = { parameters?: { name: string; in: string }[] };

const box = await testBox();
afterAll(() => box.close());
const document = (await box.app.inject('/api/openapi.json')).json() as {
  paths: Record<string, Record<string, Operation>>;
};

/** The operation of the document that `request` reaches, if any. */
function operationOf(request: TransportRequest): Operation | undefined {
  const path = new URL(request.path, 'http://box').pathname;
  for (const [template, operations] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(path)) return operations[request.method.toLowerCase()];
  }
  return undefined;
}

describe.each([
  ['DiracxClient', DiracxClient.prototype, CLIENT_CALLS, (c: DiracxClient) => c],
  [
    'GridboxFileCatalog',
    GridboxFileCatalog.prototype,
    CATALOG_CALLS,
    (c: DiracxClient) => new GridboxFileCatalog(c),
  ],
] as const)('%s', (_name, prototype, calls, wrap) => {
  it('has a call in this table for each of its methods', () => {
    expect(Object.keys(calls).sort()).toEqual(methodsOf(prototype));
  });

  it.each(Object.entries(calls))(
    '%s reaches a route of the OpenAPI document, with its declared query parameters',
    async (_method, call) => {
      const transport = recordingTransport();
      const client = new DiracxClient(transport, () => 'token');
      await expect((call as (c: unknown) => Promise<unknown>)(wrap(client))).rejects.toThrow(
        DiracxHttpError,
      );
      expect(transport.requests).toHaveLength(1);
      const request = transport.requests[0]!;
      const operation = operationOf(request);
      expect(operation, `${request.method} ${request.path}`).toBeDefined();
      const declared = (operation!.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name);
      for (const name of new URL(request.path, 'http://box').searchParams.keys())
        expect(declared, `${request.method} ${request.path}`).toContain(name);
    },
  );
});
