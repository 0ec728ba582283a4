import { describe, expect, it } from 'vitest';
import { type ConfigSnapshot } from '../../core/index.ts';
import { cacheHeaders, isNotModified, parseHttpDate } from './http-cache.ts';

const snapshot = {
  config: {},
  revision: '0123456789abcdef0123456789abcdef01234567',
  modifiedMs: Date.UTC(2026, 0, 1, 12, 0, 0),
} as unknown as ConfigSnapshot;

describe('configuration cache validators', () => {
  it('sends the revision unquoted and the time as an HTTP date', () => {
    expect(cacheHeaders(snapshot)).toEqual({
      ETag: '0123456789abcdef0123456789abcdef01234567',
      'Last-Modified': 'Thu, 01 Jan 2026 12:00:00 GMT',
    });
  });

  const cases: [string, { ifNoneMatch?: string; ifModifiedSince?: string }, boolean][] = [
    ['no conditions', {}, false],
    ['the same revision', { ifNoneMatch: snapshot.revision }, true],
    [
      'the revision in quotes (DiracX compares exactly)',
      { ifNoneMatch: `"${snapshot.revision}"` },
      false,
    ],
    ['another revision', { ifNoneMatch: 'ffff' }, false],
    ['a date after the revision', { ifModifiedSince: 'Thu, 01 Jan 2026 12:00:01 GMT' }, true],
    [
      'the revision date itself (not strictly later)',
      { ifModifiedSince: 'Thu, 01 Jan 2026 12:00:00 GMT' },
      false,
    ],
    ['a date before the revision', { ifModifiedSince: 'Wed, 31 Dec 2025 23:59:59 GMT' }, false],
    ['an unparsable date', { ifModifiedSince: 'yesterday' }, false],
    [
      'another revision but a later date',
      { ifNoneMatch: 'ffff', ifModifiedSince: 'Fri, 02 Jan 2026 00:00:00 GMT' },
      true,
    ],
  ];
  it.each(cases)('with %s, not modified is %s', (_name, request, expected) => {
    expect(isNotModified(snapshot, request)).toBe(expected);
  });
});

describe('parseHttpDate', () => {
  it('reads the IMF-fixdate form', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it.each([
    'Sunday, 06-Nov-94 08:49:37 GMT',
    'Sun Nov  6 08:49:37 1994',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 25:49:37 GMT',
    'Sun, 06 Foo 1994 08:49:37 GMT',
    '',
  ])('ignores %j', (text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });
});
