import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../fixtures/index.ts';
import { MemoryStorageElement, StorageError } from '../sim/storage/index.ts';
import { OutageStorageElement } from './outage-storage.ts';

const { config } = generateFixtures({ seed: 7, size: 'small' });
const VO = Object.keys(config.Registry).sort()[0]!;
const [SE, SE_CONFIG] = Object.entries(config.Resources.StorageElements).find(
  ([, se]) => se.VO.length === 0 || se.VO.includes(VO),
)!;
const LFN = `/${VO}/user/a/alice/kept.dat`;
const OTHER = `/${VO}/user/a/alice/other.dat`;
const DATA = new TextEncoder().encode('bytes that must survive an outage');

/** A storage element holding one file, behind the outage switch. */
async function element() {
  const se = new OutageStorageElement(new MemoryStorageElement(SE, SE_CONFIG));
  const stored = await se.put(LFN, DATA, VO);
  return { se, stored };
}

async function refusal(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => 'answered',
    (error: unknown) => error,
  );
}

describe('OutageStorageElement', () => {
  it.each([
    ['put', (se: OutageStorageElement) => se.put(OTHER, DATA, VO)],
    ['get', (se: OutageStorageElement) => se.get(LFN, VO)],
    ['stat', (se: OutageStorageElement) => se.stat(LFN, VO)],
    ['remove', (se: OutageStorageElement) => se.remove(LFN, VO)],
  ])('refuses %s as Unavailable while down', async (_, call) => {
    const { se } = await element();
    se.down = true;
    const error = await refusal(call(se));
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'Unavailable' });
    expect((error as Error).message).toContain(SE);
  });

  it('holds every file through the outage, and stores nothing refused meanwhile', async () => {
    const { se, stored } = await element();
    se.down = true;
    await refusal(se.remove(LFN, VO));
    await refusal(se.put(OTHER, DATA, VO));
    se.down = false;
    expect(await se.get(LFN, VO)).toEqual(DATA);
    expect(await se.stat(LFN, VO)).toEqual(stored);
    expect(await se.stat(OTHER, VO)).toBeUndefined();
  });

  it('still names its files and reports its access statuses while down', async () => {
    const { se } = await element();
    se.down = true;
    expect(se.name).toBe(SE);
    expect(se.pfn(LFN)).toMatch(new RegExp(`${LFN}$`));
    expect(se.access('Read')).toBe(SE_CONFIG.ReadAccess);
  });
});
