import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/index.ts';
import { adler32 } from './adler32.ts';
import { HttpStorageElement } from './http-storage-element.ts';
import { StorageError } from './storage-element.ts';
import { openStorageElements } from './storage-fleet.ts';
import {
  CHECKSUM_HEADER,
  type StorageServer,
  VO_HEADER,
  startStorageServer,
} from './storage-server.ts';

/** What the loopback server answers to raw HTTP, beyond what the StorageElement suite covers. */

const fixture = generateFixtures({ seed: 7, size: 'small' });
const [VO] = Object.keys(fixture.config.Registry) as [string];
const [SE, SE_CONFIG] = Object.entries(fixture.config.Resources.StorageElements)[0]!;
const ROOT = SE_CONFIG.AccessProtocols[Object.keys(SE_CONFIG.AccessProtocols)[0]!]!.Path;
const LFN = `/${VO}/data/run1/file.dst`;
const CONTENT = new TextEncoder().encode('physics');

async function start(maxFileBytes = 1024) {
  const server = await startStorageServer({ name: SE, config: SE_CONFIG, maxFileBytes });
  const client = new Client(server.url);
  return {
    server,
    se: new HttpStorageElement(server),
    /** A request sent exactly as written: no URL normalisation on the way. */
    raw: async (
      method: string,
      path: string,
      headers: Record<string, string> = {},
      body?: Uint8Array | Readable,
    ) => {
      const response = await client.request({
        method,
        path,
        headers: { [VO_HEADER]: VO, ...headers },
        body,
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text };
    },
    [Symbol.asyncDispose]: async () => {
      await client.close();
      await server.close();
    },
  };
}

describe('the loopback storage server', () => {
  it('serves files at <Path>/<LFN> with their Adler-32 on PUT, GET and HEAD', async () => {
    await using box = await start();
    const checksum = adler32(CONTENT);
    const put = await box.raw('PUT', `${ROOT}${LFN}`, {}, CONTENT);
    expect(put.status).toBe(201);
    expect(put.headers[CHECKSUM_HEADER]).toBe(checksum);
    const get = await box.raw('GET', `${ROOT}${LFN}`);
    expect(get).toMatchObject({ status: 200, text: 'physics' });
    expect(get.headers[CHECKSUM_HEADER]).toBe(checksum);
    const head = await box.raw('HEAD', `${ROOT}${LFN}`);
    expect(head.status).toBe(200);
    expect(head.headers).toMatchObject({ 'content-length': '7', [CHECKSUM_HEADER]: checksum });
    expect((await box.raw('DELETE', `${ROOT}${LFN}`)).status).toBe(204);
    expect((await box.raw('DELETE', `${ROOT}${LFN}`)).status).toBe(204);
  });

  it('answers 404 with a detail for a missing file', async () => {
    await using box = await start();
    const get = await box.raw('GET', `${ROOT}${LFN}`);
    expect(get.status).toBe(404);
    expect(JSON.parse(get.text)).toEqual({ detail: `SE ${SE} holds no file ${LFN}` });
    expect((await box.raw('HEAD', `${ROOT}${LFN}`)).status).toBe(404);
  });

  it.each([
    ['a percent-encoded dot-dot', `${ROOT}/%2e%2e/x`],
    ['an upper-case encoded dot-dot', `${ROOT}/${VO}/data/%2E%2E/%2E%2E/%2E%2E/etc/passwd`],
    ['a dot-dot', `${ROOT}/${VO}/data/sub/../run1/file.dst`],
    ['a dot', `${ROOT}/${VO}/data/./run1/file.dst`],
    ['a double slash', `${ROOT}//${VO}/data/run1/file.dst`],
    ['a double slash inside', `${ROOT}/${VO}/data//run1/file.dst`],
    ['an encoded slash', `${ROOT}/${VO}%2Fdata/run1/file.dst`],
    ['bad percent-encoding', `${ROOT}/${VO}/%zz`],
    ['an encoded NUL', `${ROOT}/${VO}/data/run1/file.dst%00.txt`],
    ['a path outside the root', `/etc/${VO}/data/run1/file.dst`],
    ['a path sharing the root as a prefix', `${ROOT}x/${VO}/data/run1/file.dst`],
    ['the root itself', ROOT],
    ['the root with a slash', `${ROOT}/`],
  ])('refuses %s with 400 and never serves the file it points at', async (_title, path) => {
    await using box = await start();
    await box.se.put(LFN, CONTENT, VO);
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const response = await box.raw(method, path, {}, method === 'PUT' ? CONTENT : undefined);
      expect(response.status, `${method} ${path}`).toBe(400);
    }
    expect(await box.se.get(LFN, VO)).toEqual(CONTENT);
  });

  it('requires the VO header, since it stands in for the client certificate', async () => {
    await using box = await start();
    const response = await box.raw('GET', `${ROOT}${LFN}`, { [VO_HEADER]: '' });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text).detail).toMatch(VO_HEADER);
  });

  it('answers 403 to a banned access and 405 to another method', async () => {
    await using box = await start();
    box.server.setAccess('Write', 'Banned');
    const put = await box.raw('PUT', `${ROOT}${LFN}`, {}, CONTENT);
    expect(put.status).toBe(403);
    expect(JSON.parse(put.text).detail).toBe(`Write access to SE ${SE} is Banned`);
    const post = await box.raw('POST', `${ROOT}${LFN}`, {}, CONTENT);
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('PUT, GET, HEAD, DELETE');
  });

  it('answers 413 to a body over the limit, declared or streamed, and stores nothing', async () => {
    await using box = await start(1024);
    const declared = await box.raw('PUT', `${ROOT}${LFN}`, {}, new Uint8Array(4096));
    expect(declared.status).toBe(413);
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(512, 1));
    const streamed = await box.raw('PUT', `${ROOT}${LFN}`, {}, Readable.from(chunks));
    expect(streamed.status).toBe(413);
    expect(await box.se.stat(LFN, VO)).toBeUndefined();
    // The connection still works after a refused upload.
    expect((await box.raw('PUT', `${ROOT}${LFN}`, {}, new Uint8Array(1024))).status).toBe(201);
  });

  it('reports the 413 through the StorageElement as Invalid, also through fetch', async () => {
    await using box = await start(1024);
    const error = await box.se.put(LFN, new Uint8Array(64 * 1024), VO).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({
      code: 'Invalid',
      message: `files on SE ${SE} are limited to 1024 bytes`,
    });
  });

  it('frees its port on close, after which its elements are Unavailable', async () => {
    const server: StorageServer = await startStorageServer({ name: SE, config: SE_CONFIG });
    const se = new HttpStorageElement(server);
    await se.put(LFN, CONTENT, VO);
    const { port } = server;
    await server.close();
    const error = await se.get(LFN, VO).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'Unavailable' });
    const reuse = createServer();
    await new Promise<void>((resolve, reject) => {
      reuse.once('error', reject);
      reuse.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => reuse.close(resolve));
  });

  it('listens on the port it is given', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    await using server = await startStorageServer({ name: SE, config: SE_CONFIG, port });
    expect(server.port).toBe(port);
    expect(server.rootUrl).toBe(`http://127.0.0.1:${port}${ROOT}`);
  });

  it('closes a whole http fleet: every server stops answering', async () => {
    const fleet = await openStorageElements(fixture.config, { mode: 'http' });
    const elements = [...fleet.elements.values()];
    await Promise.all(elements.map((se) => se.put(LFN, CONTENT, VO)));
    await fleet.close();
    for (const se of elements) {
      const error = await se.stat(LFN, VO).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'Unavailable' });
    }
  });
});
