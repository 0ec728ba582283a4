import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';

const MAX_BYTES = 4096;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const box = await testBox({
  clock,
  sandboxes: { settings: { maxSizeBytes: MAX_BYTES } },
});
afterAll(() => box.close());
const vo = box.vos[0]!;
const tokenOf = (user: string, properties = ['NormalUser']) => box.token({ user, properties });
const alice = await tokenOf('alice');
const bob = await tokenOf('bob');

/** A request as `token`; a string payload is sent as a JSON string. */
const api = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  token: string,
  payload?: unknown,
) =>
  box.inject(method, url, token, typeof payload === 'string' ? JSON.stringify(payload) : payload);

const tarball = (text: string) => Buffer.from(text.repeat(10));
const infoOf = (data: Buffer) => ({
  checksum_algorithm: 'sha256',
  checksum: createHash('sha256').update(data).digest('hex'),
  size: data.length,
  format: 'tar.zst',
});

/** Sends the form a DiracX client sends to a presigned POST: the fields, then the file. */
async function upload(url: string, fields: Record<string, string>, data: Buffer) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([data]), 'sandbox.tar.zst');
  const request = new Request('http://box', { method: 'POST', body: form });
  return box.app.inject({
    method: 'POST',
    url: new URL(url).pathname,
    headers: { 'content-type': request.headers.get('content-type')! },
    payload: Buffer.from(await request.arrayBuffer()),
  });
}

describe('sandboxes', () => {
  let pfn: string;
  let jobId: number;

  it('upload through a signed URL, then come back by content without a second upload', async () => {
    const data = tarball('input files ');
    const first = await api('POST', '/api/jobs/sandbox', alice, infoOf(data));
    expect(first.statusCode).toBe(200);
    const { url, fields } = first.json();
    pfn = first.json().pfn;
    expect(pfn).toBe(
      `SB:SandboxSE|/S3/sandboxes/${vo}/${vo}_user/alice/sha256:${infoOf(data).checksum}.tar.zst`,
    );
    expect(url).toMatch(/\/api\/sandbox-store\/upload$/);
    expect((await upload(url, fields, data)).statusCode).toBe(204);

    const again = await api('POST', '/api/jobs/sandbox', alice, infoOf(data));
    expect(again.json()).toEqual({ pfn, url: null, fields: {} });
  });

  it('download through a signed URL, by their owner only', async () => {
    const response = await api('GET', `/api/jobs/sandbox?pfn=${encodeURIComponent(pfn)}`, alice);
    expect(response.statusCode).toBe(200);
    expect(response.json().expires_in).toBe(300);
    const download = await box.app.inject({
      method: 'GET',
      url: new URL(response.json().url).pathname + new URL(response.json().url).search,
    });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload).toEqual(tarball('input files '));
    expect(
      (await api('GET', `/api/jobs/sandbox?pfn=${encodeURIComponent(pfn)}`, bob)).statusCode,
    ).toBe(403);
    const admin = await tokenOf('root', ['JobAdministrator']);
    expect(
      (await api('GET', `/api/jobs/sandbox?pfn=${encodeURIComponent(pfn)}`, admin)).statusCode,
    ).toBe(200);
  });

  it('are linked to a job as its output, once, and unlinked', async () => {
    const submitted = await api('POST', '/api/jobs/jdl', alice, ['Executable = "x"']);
    jobId = submitted.json()[0].JobID;
    // DiracX: an empty listing is [], and a listing gives the stored PFN (no SB:<SE>| prefix).
    expect((await api('GET', `/api/jobs/${jobId}/sandbox`, alice)).json()).toEqual({
      Input: [],
      Output: [],
    });
    expect((await api('GET', `/api/jobs/${jobId}/sandbox/input`, alice)).json()).toEqual([]);
    const storedPfn = pfn.slice(pfn.indexOf('|') + 1);
    const assigned = await api('PATCH', `/api/jobs/${jobId}/sandbox/output`, alice, pfn);
    expect(assigned.statusCode).toBe(200);
    expect(assigned.body).toBe('null');
    expect((await api('GET', `/api/jobs/${jobId}/sandbox`, alice)).json()).toEqual({
      Input: [],
      Output: [storedPfn],
    });
    expect((await api('GET', `/api/jobs/${jobId}/sandbox/output`, alice)).json()).toEqual([
      storedPfn,
    ]);
    const twice = await api('PATCH', `/api/jobs/${jobId}/sandbox/output`, alice, pfn);
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toEqual({ detail: 'Sandbox already assigned' });
    expect((await api('DELETE', `/api/jobs/${jobId}/sandbox`, alice)).statusCode).toBe(200);
    expect((await api('GET', `/api/jobs/${jobId}/sandbox`, alice)).json()).toEqual({
      Input: [],
      Output: [],
    });
    expect((await api('GET', `/api/jobs/${jobId}/sandbox`, bob)).statusCode).toBe(403);
  });

  it.each([
    [
      'a sandbox over the size limit',
      () => ({ ...infoOf(tarball('x')), size: MAX_BYTES + 1 }),
      400,
    ],
    [
      'a checksum that is not one',
      () => ({ ...infoOf(tarball('x')), checksum: '../../etc/passwd' }),
      422,
    ],
    ['a format the store does not take', () => ({ ...infoOf(tarball('x')), format: 'zip' }), 422],
  ])('refuse %s', async (_name, info, status) => {
    expect((await api('POST', '/api/jobs/sandbox', alice, info())).statusCode).toBe(status);
  });

  it.each([
    [
      'a path trick',
      `SB:SandboxSE|/S3/sandboxes/${vo}/../../etc/sha256:${'a'.repeat(64)}.tar.zst`,
      400,
    ],
    [
      'a PFN of another bucket',
      `/S3/elsewhere/${vo}/${vo}_user/alice/sha256:${'a'.repeat(64)}.tar.zst`,
      400,
    ],
    [
      'a sandbox nobody uploaded',
      `/S3/sandboxes/${vo}/${vo}_user/alice/sha256:${'b'.repeat(64)}.tar.zst`,
      404,
    ],
  ])('refuse to hand out %s', async (_name, text, status) => {
    expect(
      (await api('GET', `/api/jobs/sandbox?pfn=${encodeURIComponent(text)}`, alice)).statusCode,
    ).toBe(status);
  });

  it('refuse an upload whose data, signature or time is wrong', async () => {
    const data = tarball('output ');
    const { url, fields } = (await api('POST', '/api/jobs/sandbox', alice, infoOf(data))).json();
    expect((await upload(url, fields, tarball('other  '))).statusCode).toBe(400);
    expect(
      (await upload(url, { ...fields, key: fields.key.replace('alice', 'bob') }, data)).statusCode,
    ).toBe(403);
    expect((await upload(url, { ...fields, size: String(MAX_BYTES * 10) }, data)).statusCode).toBe(
      403,
    );
    clock.advance(301_000);
    expect((await upload(url, fields, data)).statusCode).toBe(403);
  });

  it('refuse a forged upload for its signature before its size', async () => {
    const data = Buffer.alloc(MAX_BYTES + 10, 1);
    const fields = {
      key: 'k',
      size: String(data.length),
      checksum: 'x',
      expires: '0',
      signature: 'x',
    };
    expect((await upload('http://box/api/sandbox-store/upload', fields, data)).statusCode).toBe(
      403,
    );
  });
});
