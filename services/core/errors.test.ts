import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GridboxError, errorCatalogue } from './errors.ts';

const published = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Rows of the table in docs/errors.md: code → status. */
function publishedCodes(): Map<string, number> {
  const rows = [...published.matchAll(/^\| `(GBX_[A-Z_]+)` \| (\d{3}) \|/gm)];
  return new Map(rows.map(([, code, status]) => [code!, Number(status)]));
}

describe('error catalogue', () => {
  it('lists in docs/errors.md every code it has, with the same status, and nothing else', () => {
    const catalogue = new Map(Object.entries(errorCatalogue).map(([code, e]) => [code, e.status]));
    expect(publishedCodes()).toEqual(catalogue);
  });

  it('describes each code once in docs/errors.md, in a table without leftover merge markers', () => {
    const codes = [...published.matchAll(/^\| `(GBX_[A-Z_]+)` \|/gm)].map(([, code]) => code);
    expect(codes).toEqual([...new Set(codes)]);
    expect(published).not.toMatch(/^(<{7}|={7}|>{7})/m);
  });

  it('builds each error with the code and status it is catalogued under', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      const error = new entry.type('SomeDB');
      expect(error).toBeInstanceOf(GridboxError);
      expect(error.code).toBe(code);
      expect(error.statusCode).toBe(entry.status);
    }
  });

  it('tells clients when to retry while a dependency is not ready', () => {
    for (const entry of [errorCatalogue.GBX_CONFIG_NOT_READY, errorCatalogue.GBX_DB_UNAVAILABLE]) {
      expect(new entry.type('SomeDB').headers['Retry-After']).toBe('10');
    }
  });
});
