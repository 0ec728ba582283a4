import { createHash } from 'node:crypto';
import { type ClientRequest, type IncomingMessage, request as httpRequest } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { MemorySandboxStore } from '../../db/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';

const MAX_BYTES = 64 * 1024 * 1024;

/** A memory store that counts the bytes it was handed, and can lose them all (a restart). */
class CountingStore extends MemorySandboxStore {
  bytesReceived = 0;
  #lost = new Set<string>();

  override async put(key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const chunks: AsyncIterable<Uint8Array> =
      data instanceof Uint8Array
        ? (async function* () {
            yield data;
          })()
        : data;
    const counted = async function* (this: CountingStore) {
      for await (const chunk of chunks) {
        this.bytesReceived += chunk.length;
        yield chunk;
      }
    }.call(this);
    this.#lost.delete(key);
    await super.put(key, counted);
  }

  override async exists(key: string): Promise<boolean> {
    return !this.#lost.has(key) && (await super.exists(key));
  }

  override async get(key: string): Promise<Uint8Array | undefined> {
    return this.#lost.has(key) ? undefined : super.get(key);
  }

  lose(key: string): void {
    this.#lost.add(key);
  }
}

const store = new CountingStore();
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const box = await testBox({
  clock,
  sandboxes: { store, settings: { maxSizeBytes: MAX_BYTES } },
  listen: true,
});
afterAll(() => box.close());
const { app } = box;
const base = new URL(box.url!);
const vo = box.vos[0]!;
const alice = await box.token({ user: 'alice', lifetimeMinutes: 60 });

const infoOf = (data: Buffer) => ({
  checksum_algorithm: 'sha256',
  checksum: createHash('sha256').update(data).digest('hex'),
  size: data.length,
  format: 'tar.zst',
});

/** Asks the jobs API where to upload `info`, as a client does before it posts the form. */
async function signedFields(info: ReturnType<typeof infoOf>) {
  const response = await box.inject('POST', '/api/jobs/sandbox', alice, info);
  expect(response.statusCode).toBe(200);
  return response.json() as { pfn: string; url: string | null; fields: Record<string, string> };
}

const BOUNDARY = 'gridbox-test-boundary';

/** The head of a presigned-POST form: the fields, then the start of the file part. */
function formHead(fields: Record<string, string>): Buffer {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="sb.tar.zst"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  return Buffer.from(parts.join(''));
}
const formTail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

/**
 * Starts an upload announcing `totalBytes` of body and sends only `sent`, leaving the rest
 * unsent: the answer must come while the client still owes most of the body.
 */
function partialUpload(sent: Buffer, totalBytes: number) {
  let req: ClientRequest;
  const response = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req = httpRequest(new URL('/api/sandbox-store/upload', base), {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(totalBytes),
      },
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.write(sent);
  });
  return { response, abort: () => req.destroy() };
}

describe('sandbox store uploads', () => {
  it('refuses a forged upload with 403 before reading its file', async () => {
    const before = store.bytesReceived;
    const forged = {
      key: `${vo}/${vo}_user/alice/sha256:${'0'.repeat(64)}.tar.zst`,
      size: String(60 * 1024 * 1024),
      checksum: '0'.repeat(64),
      expires: String(Math.floor(clock.nowMs() / 1000) + 300),
      signature: 'forged',
    };
    const head = Buffer.concat([formHead(forged), Buffer.alloc(256 * 1024)]);
    const upload = partialUpload(head, head.length + 60 * 1024 * 1024 + formTail.length);
    try {
      expect(await upload.response).toEqual({
        status: 403,
        body: { detail: 'Invalid upload signature' },
      });
    } finally {
      upload.abort();
    }
    expect(store.bytesReceived).toBe(before);
  });

  it('stops a file longer than its signed size with 413 before the body ends', async () => {
    const data = Buffer.alloc(1024 * 1024, 7);
    const { fields } = await signedFields(infoOf(data));
    // Twice the signed size sent so far, of a body announced far larger.
    const head = Buffer.concat([formHead(fields), data, data]);
    const upload = partialUpload(head, head.length + 50 * 1024 * 1024);
    try {
      const { status, body } = await upload.response;
      expect(status).toBe(413);
      expect(body).toEqual({
        detail: `The file is larger than the ${data.length} bytes the upload URL was signed for`,
      });
    } finally {
      upload.abort();
    }
    expect(await store.exists(fields.key!)).toBe(false);
  });

  it('streams a genuine upload into the store, and serves it back', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 17, 'sandbox ');
    const info = infoOf(data);
    const { fields, pfn } = await signedFields(info);
    const response = await fetch(new URL('/api/sandbox-store/upload', base), {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: Buffer.concat([formHead(fields), data, formTail]),
    });
    expect(response.status).toBe(204);
    const link = await box.inject('GET', `/api/jobs/sandbox?pfn=${encodeURIComponent(pfn)}`, alice);
    const download = await fetch(
      new URL(new URL(link.json().url).pathname + new URL(link.json().url).search, base),
    );
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
  });

  it('refuses a file that differs from its checksum, and keeps nothing', async () => {
    const data = Buffer.alloc(1000, 1);
    const { fields } = await signedFields(infoOf(data));
    const response = await fetch(new URL('/api/sandbox-store/upload', base), {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: Buffer.concat([formHead(fields), Buffer.alloc(1000, 2), formTail]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: 'The checksum does not match the data' });
    expect(await store.exists(fields.key!)).toBe(false);
  });

  it('hands out a new upload URL for a sandbox whose bytes were lost', async () => {
    const data = Buffer.alloc(500, 3);
    const first = await signedFields(infoOf(data));
    const stored = await fetch(new URL('/api/sandbox-store/upload', base), {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body: Buffer.concat([formHead(first.fields), data, formTail]),
    });
    expect(stored.status).toBe(204);
    // Linked to a job, as every input sandbox is once its job is submitted.
    const submitted = await box.inject('POST', '/api/jobs/jdl', alice, ['Executable = "x"']);
    const assigned = await box.inject(
      'PATCH',
      `/api/jobs/${submitted.json()[0].JobID}/sandbox/output`,
      alice,
      JSON.stringify(first.pfn),
    );
    expect(assigned.statusCode).toBe(200);
    expect((await signedFields(infoOf(data))).url).toBeNull();
    store.lose(first.fields.key!);
    const again = await signedFields(infoOf(data));
    expect(again.url).toMatch(/\/api\/sandbox-store\/upload$/);
    expect(again.pfn).toBe(first.pfn);
  });

  const malformed: { name: string; contentType: string; body: string; detail: RegExp }[] = [
    {
      name: 'no boundary',
      contentType: 'multipart/form-data',
      body: 'anything',
      detail: /^Malformed multipart\/form-data body: .*[Bb]oundary/,
    },
    {
      name: 'a boundary longer than multipart allows',
      contentType: `multipart/form-data; boundary=${'b'.repeat(300)}`,
      body: 'anything',
      detail: /^Malformed multipart\/form-data body: /,
    },
    {
      name: 'a body cut in the middle of a part',
      contentType: `multipart/form-data; boundary=${BOUNDARY}`,
      body: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="key"\r\n\r\nab`,
      // busboy ends the parts quietly here; the form then lacks its file.
      detail: /^The upload has no file$/,
    },
  ];
  it.each(malformed)(
    'answers 400 with the reason for $name',
    async ({ contentType, body, detail }) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/sandbox-store/upload',
        headers: { 'content-type': contentType },
        payload: body,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().detail).toMatch(detail);
    },
  );
});
