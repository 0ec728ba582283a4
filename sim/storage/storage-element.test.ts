import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/index.ts';
import type { Config, SEConfig } from '../../services/core/index.ts';
import { adler32 } from './adler32.ts';
import {
  type AccessType,
  type StorageElement,
  StorageError,
  type StorageErrorCode,
} from './storage-element.ts';
import { openStorageElements } from './storage-fleet.ts';

/** The behaviour a pilot relies on, whichever way the simulator runs its storage. */

const fixture = generateFixtures({ seed: 7, size: 'small' });
const [VO, OTHER_VO] = Object.keys(fixture.config.Registry) as [string, string];
const SE_NAMES = Object.keys(fixture.config.Resources.StorageElements);
const SE = SE_NAMES[0]!;
const LFN = `/${VO}/user/a/alice/output.txt`;
const MAX_FILE_BYTES = 1024;

const bytes = (text: string) => new TextEncoder().encode(text);

/** The fixture configuration with one SE changed. */
function withSE(change: Partial<SEConfig>): Config {
  const config = structuredClone(fixture.config);
  Object.assign(config.Resources.StorageElements[SE]!, change);
  return config;
}

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof StorageError)) throw new Error(`expected a StorageError, got ${error}`);
  return error;
}

async function expectCode(
  promise: Promise<unknown>,
  code: StorageErrorCode,
  message?: string | RegExp,
) {
  const error = await rejection(promise);
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const firstProtocol = Object.values(
  fixture.config.Resources.StorageElements[SE]!.AccessProtocols,
)[0]!;

const MODES = [
  {
    mode: 'memory' as const,
    // As configured: <proto>://<host>:<port><wsurl><Path><LFN>
    pfnPrefix: escapeRegExp(
      `${firstProtocol.Protocol}://${firstProtocol.Host}:${firstProtocol.Port}${firstProtocol.WSUrl}${firstProtocol.Path}`,
    ),
  },
  // The loopback server's own URL, at the configured Path.
  { mode: 'http' as const, pfnPrefix: String.raw`http://127\.0\.0\.1:\d+/grid` },
];

describe.each(MODES)('storage elements in $mode mode', ({ mode, pfnPrefix }) => {
  async function open(config: Config = fixture.config) {
    const fleet = await openStorageElements(config, { mode, maxFileBytes: MAX_FILE_BYTES });
    return { fleet, se: fleet.elements.get(SE)!, [Symbol.asyncDispose]: () => fleet.close() };
  }

  it('opens one element per configured SE, named as configured', async () => {
    await using opened = await open();
    expect([...opened.fleet.elements.keys()]).toEqual(SE_NAMES);
    for (const [name, se] of opened.fleet.elements) expect(se.name).toBe(name);
  });

  it('gives PFNs from the first protocol', async () => {
    await using opened = await open();
    expect(opened.se.pfn(LFN)).toMatch(new RegExp(`^${pfnPrefix}${escapeRegExp(LFN)}$`));
  });

  it.each([
    ['text', bytes('hello grid')],
    ['empty file', new Uint8Array()],
    ['every byte value', Uint8Array.from({ length: 256 }, (_, i) => i)],
    ['the largest file allowed', new Uint8Array(MAX_FILE_BYTES).fill(7)],
  ])('stores and returns %s with its size and Adler-32', async (_title, data) => {
    await using opened = await open();
    const { se } = opened;
    const stored = await se.put(LFN, data, VO);
    expect(stored).toEqual({ pfn: se.pfn(LFN), size: data.length, checksum: adler32(data) });
    expect(await se.get(LFN, VO)).toEqual(data);
    expect(await se.stat(LFN, VO)).toEqual(stored);
  });

  it.each([
    `/${VO}/data/with space/and%20percent?query#hash.txt`,
    `/${VO}/ünïcödé/文件.root`,
    `/${VO}/${'d'.repeat(255 - VO.length - 3 - 128)}/${'x'.repeat(128)}`,
  ])('keeps a file under the unusual but valid LFN %j', async (lfn) => {
    await using opened = await open();
    await opened.se.put(lfn, bytes(lfn), VO);
    expect(new TextDecoder().decode(await opened.se.get(lfn, VO))).toBe(lfn);
    expect(await opened.se.stat(`${LFN}.other`, VO)).toBeUndefined();
  });

  it('keeps what was stored when the caller reuses either buffer', async () => {
    await using opened = await open();
    const { se } = opened;
    const data = bytes('original');
    await se.put(LFN, data, VO);
    data.fill(0);
    (await se.get(LFN, VO)).fill(0);
    expect(await se.get(LFN, VO)).toEqual(bytes('original'));
  });

  it('replaces a file put again under the same LFN', async () => {
    await using opened = await open();
    const { se } = opened;
    await se.put(LFN, bytes('first'), VO);
    const second = await se.put(LFN, bytes('second attempt'), VO);
    expect(await se.get(LFN, VO)).toEqual(bytes('second attempt'));
    expect(await se.stat(LFN, VO)).toEqual(second);
  });

  it('keeps SEs apart: a file put on one is not on another', async () => {
    await using opened = await open();
    await opened.se.put(LFN, bytes('here'), VO);
    const other = opened.fleet.elements.get(SE_NAMES[1]!)!;
    expect(await other.stat(LFN, VO)).toBeUndefined();
  });

  it('reports a missing file: stat undefined, get NotFound', async () => {
    await using opened = await open();
    expect(await opened.se.stat(LFN, VO)).toBeUndefined();
    await expectCode(opened.se.get(LFN, VO), 'NotFound', LFN);
  });

  it('removes a file, and removing it again succeeds', async () => {
    await using opened = await open();
    const { se } = opened;
    await se.put(LFN, bytes('to remove'), VO);
    await se.remove(LFN, VO);
    expect(await se.stat(LFN, VO)).toBeUndefined();
    await expectCode(se.get(LFN, VO), 'NotFound');
    await se.remove(LFN, VO);
    await se.remove(`/${VO}/never/stored`, VO);
  });

  it('refuses a file larger than the limit, and keeps the previous one', async () => {
    await using opened = await open();
    const { se } = opened;
    await se.put(LFN, bytes('small'), VO);
    await expectCode(se.put(LFN, new Uint8Array(MAX_FILE_BYTES + 1), VO), 'Invalid');
    expect(await se.get(LFN, VO)).toEqual(bytes('small'));
  });

  /** Each access type and a call that needs it. */
  const CALLS: [AccessType, (se: StorageElement) => Promise<unknown>][] = [
    ['Read', (se) => se.get(LFN, VO)],
    ['Write', (se) => se.put(LFN, bytes('new'), VO)],
    ['Remove', (se) => se.remove(LFN, VO)],
  ];

  it.each(CALLS)(
    'refuses a call needing %s while it is Banned, and only that',
    async (type, call) => {
      await using opened = await open();
      const { se } = opened;
      await se.put(LFN, bytes('kept'), VO);
      se.setAccess(type, 'Banned');
      expect(se.access(type)).toBe('Banned');
      await expectCode(call(se), 'Forbidden', new RegExp(`${type} access to SE ${SE} is Banned`));
      for (const [otherType, otherCall] of CALLS) {
        if (otherType !== type && otherType !== 'Remove') await otherCall(se);
      }
      expect(await se.stat(LFN, VO)).toBeDefined();

      se.setAccess(type, 'Degraded');
      await call(se);
    },
  );

  it('allows Check while Read is allowed, as DIRAC does, and refuses it when both are Banned', async () => {
    await using opened = await open();
    const { se } = opened;
    await se.put(LFN, bytes('kept'), VO);
    se.setAccess('Check', 'Banned');
    expect(await se.stat(LFN, VO)).toMatchObject({ size: 4 });
    se.setAccess('Read', 'Banned');
    await expectCode(se.stat(LFN, VO), 'Forbidden', /Check access .* is Banned/);
    se.setAccess('Check', 'Active');
    expect(await se.stat(LFN, VO)).toMatchObject({ size: 4 });
  });

  it('starts from the access statuses in the configuration', async () => {
    await using opened = await open(withSE({ WriteAccess: 'Banned', ReadAccess: 'Degraded' }));
    const { se } = opened;
    expect(se.access('Write')).toBe('Banned');
    expect(se.access('Read')).toBe('Degraded');
    expect(se.access('Remove')).toBe('Active');
    await expectCode(se.put(LFN, bytes('x'), VO), 'Forbidden', /Write access/);
    expect(await se.stat(LFN, VO)).toBeUndefined();
  });

  it('refuses every call from a VO the SE is not restricted to', async () => {
    await using opened = await open(withSE({ VO: [VO] }));
    const { se } = opened;
    await se.put(LFN, bytes('mine'), VO);
    const calls = [
      () => se.put(LFN, bytes('theirs'), OTHER_VO),
      () => se.get(LFN, OTHER_VO),
      () => se.stat(LFN, OTHER_VO),
      () => se.remove(LFN, OTHER_VO),
    ];
    for (const call of calls) {
      await expectCode(call(), 'Forbidden', new RegExp(`does not serve VO "${OTHER_VO}"`));
    }
    expect(await se.get(LFN, VO)).toEqual(bytes('mine'));
  });

  it('serves every VO when the SE has no VO list', async () => {
    await using opened = await open();
    await opened.se.put(LFN, bytes('shared'), OTHER_VO);
    expect(await opened.se.get(LFN, VO)).toEqual(bytes('shared'));
  });

  it.each([
    ['relative', 'lhcb/user/file'],
    ['empty', ''],
    ['the root', '/'],
    ['a trailing slash', '/lhcb/user/'],
    ['an empty segment', '/lhcb//user/file'],
    ['a dot segment', '/lhcb/./file'],
    ['a dot-dot segment', '/lhcb/../etc/passwd'],
    ['a NUL byte', '/lhcb/fi\u0000le'],
    ['a newline', '/lhcb/fi\nle'],
    ['a DEL', '/lhcb/fi\u007fle'],
    ['256 characters', `/${'x'.repeat(255)}`],
    ['a C1 control', '/lhcb/fi\u0085le'],
    ['a lone surrogate', '/lhcb/fi\ud800le'],
    ['a segment ending with a space', '/lhcb/user /file'],
    ['a 129-character file name', `/lhcb/${'x'.repeat(129)}`],
    ['a file outside any directory', '/file'],
  ])('refuses an LFN that is %s', async (_title, lfn) => {
    await using opened = await open();
    const { se } = opened;
    expect(() => se.pfn(lfn)).toThrow(StorageError);
    await expectCode(se.put(lfn, bytes('x'), VO), 'Invalid', /invalid LFN/);
    await expectCode(se.get(lfn, VO), 'Invalid');
    await expectCode(se.stat(lfn, VO), 'Invalid');
    await expectCode(se.remove(lfn, VO), 'Invalid');
  });
});

describe('a storage element in memory mode, at scale', () => {
  it("keeps its files' bytes off the JavaScript heap, returns them intact, and frees them on close", async () => {
    const fleet = await openStorageElements(fixture.config, { mode: 'memory' });
    const se = fleet.elements.get(SE)!;
    const data = new Uint8Array(16 * 1024);
    const lfn = (i: number) => `/${VO}/sim/out/f${i}.dat`;
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 2048; i++) {
      data.fill(i % 251); // one buffer, reused as a pilot's would be: 32 MiB stored
      expect(await se.put(lfn(i), data, VO)).toMatchObject({
        size: data.length,
        checksum: adler32(data),
      });
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    for (const i of [0, 1000, 2047]) {
      const read = await se.get(lfn(i), VO);
      expect(read).toEqual(new Uint8Array(16 * 1024).fill(i % 251));
      expect((await se.stat(lfn(i), VO))?.checksum).toBe(adler32(read));
    }
    await fleet.close();
    await expect(se.get(lfn(0), VO)).rejects.toThrow('closed');
  });
});
