import { describe, expect, it } from 'vitest';
import {
  MAX_STATEMENT_KINDS,
  OTHER_STATEMENTS,
  StatementTimings,
  statementKind,
} from './statement-timings.ts';

describe('statement kinds', () => {
  it.each([
    ['select "a" from "t" where "id" in (?)', 'select "a" from "t" where "id" in (…)'],
    ['select "a" from "t" where "id" in (?, ?, ?)', 'select "a" from "t" where "id" in (…)'],
    [
      'insert into "t" ("a", "b") values (?, ?), (?, ?), (?, ?)',
      'insert into "t" ("a", "b") values (…)',
    ],
    ['insert into "t" ("a") values (?)', 'insert into "t" ("a") values (…)'],
    [
      'update "t" set "v" = case "id" when ? then ? when ? then ? end where "id" in (?, ?)',
      'update "t" set "v" = case "id" when ? then ? … end where "id" in (…)',
    ],
    // A single branch, and values outside lists, stay as they are.
    [
      'update "t" set "v" = case when "x" = ? then ? else "v" end where "id" = ?',
      'update "t" set "v" = case when "x" = ? then ? else "v" end where "id" = ?',
    ],
    ['select *\n  from "t"\twhere "a" = ?  ', 'select * from "t" where "a" = ?'],
  ])('folds %j', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });
});

describe('statement timings', () => {
  it('adds up calls and time by kind, most time first, the rest as one', () => {
    const timings = new StatementTimings();
    timings.record('a', 1);
    timings.record('b', 5);
    timings.record('a', 2);
    timings.record('c', 0.5);
    timings.record('d', 0.25);
    expect(timings.calls).toBe(5);
    expect(timings.ms).toBe(8.75);
    expect(timings.top(10)).toEqual([
      { sql: 'b', calls: 1, ms: 5 },
      { sql: 'a', calls: 2, ms: 3 },
      { sql: 'c', calls: 1, ms: 0.5 },
      { sql: 'd', calls: 1, ms: 0.25 },
    ]);
    expect(timings.top(2)).toEqual([
      { sql: 'b', calls: 1, ms: 5 },
      { sql: 'a', calls: 2, ms: 3 },
      { sql: OTHER_STATEMENTS, calls: 2, ms: 0.75 },
    ]);
  });

  it('keeps a bounded number of kinds: the later ones are summed, none is lost', () => {
    const timings = new StatementTimings();
    for (let i = 0; i < MAX_STATEMENT_KINDS + 50; i++) timings.record(`kind ${i}`, 1);
    timings.record('kind 0', 1);
    const all = timings.top(Infinity);
    expect(all).toHaveLength(MAX_STATEMENT_KINDS + 1);
    expect(all.find((kind) => kind.sql === OTHER_STATEMENTS)).toEqual({
      sql: OTHER_STATEMENTS,
      calls: 50,
      ms: 50,
    });
    expect(all.find((kind) => kind.sql === 'kind 0')!.calls).toBe(2);
    expect(all.reduce((sum, kind) => sum + kind.calls, 0)).toBe(timings.calls);
    // The kinds summed for want of room and those left out of the top are one row, last.
    const top = timings.top(10);
    expect(top.filter((kind) => kind.sql === OTHER_STATEMENTS)).toHaveLength(1);
    expect(top.at(-1)).toEqual({
      sql: OTHER_STATEMENTS,
      calls: timings.calls - 10 * 1 - 1,
      ms: timings.ms - 10 * 1 - 1,
    });
  });
});
