import { describe, expect, it } from 'vitest';
import { fromSqlDateTime, toSqlDateTime } from './datetime.ts';

describe('toSqlDateTime', () => {
  it('writes the second of each time, whatever the times before it', () => {
    const times = [
      Date.parse('2026-11-30T10:00:00.999Z'),
      Date.parse('2026-11-30T10:00:01.000Z'),
      Date.parse('2026-11-30T10:00:00.001Z'),
      Date.parse('1999-12-31T23:59:59.500Z'),
      Date.parse('1999-12-31T23:59:59.000Z'),
    ];
    expect(times.map(toSqlDateTime)).toEqual([
      '2026-11-30 10:00:00',
      '2026-11-30 10:00:01',
      '2026-11-30 10:00:00',
      '1999-12-31 23:59:59',
      '1999-12-31 23:59:59',
    ]);
    for (const ms of times) expect(fromSqlDateTime(toSqlDateTime(ms))).toBe(ms - (ms % 1000));
  });

  it('refuses a time no DATETIME holds', () => {
    expect(() => toSqlDateTime(Date.parse('+010000-01-01T00:00:00Z'))).toThrow(/years 1 to 9999/);
  });
});
