import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingFlags } from './setting-flags.ts';

describe('cli/setting-flags.json', () => {
  it('is what `npm run docs` derives from the settings schema (run it after changing a setting)', () => {
    const written = JSON.parse(
      readFileSync(new URL('./setting-flags.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(written).toEqual(settingFlags());
  });
});
