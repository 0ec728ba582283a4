import type { ConfigSnapshot } from '../../core/index.ts';

/** The validators DiracX sends with the configuration: an unquoted ETag and an HTTP date. */
export type CacheHeaders = {
  ETag: string;
  'Last-Modified': string;
};

export interface ConditionalRequest {
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
}

/** What the validators are made of: a revision and when it was made. */
export type Versioned = Pick<ConfigSnapshot, 'revision' | 'modifiedMs'>;

export function cacheHeaders(snapshot: Versioned): CacheHeaders {
  return { ETag: snapshot.revision, 'Last-Modified': new Date(snapshot.modifiedMs).toUTCString() };
}

/**
 * DiracX's rule: not modified when If-None-Match equals the revision exactly (no quotes, no
 * weak tags), or when If-Modified-Since is strictly later than the revision's time. The
 * second rule stops a client bouncing between replicas from going back to an older revision;
 * an unparsable date is ignored.
 */
export function isNotModified(snapshot: Versioned, request: ConditionalRequest): boolean {
  if (request.ifNoneMatch === snapshot.revision) return true;
  if (request.ifModifiedSince === undefined) return false;
  const notBeforeMs = parseHttpDate(request.ifModifiedSince);
  return notBeforeMs !== undefined && notBeforeMs > snapshot.modifiedMs;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** Parses exactly the IMF-fixdate form DiracX accepts (`%a, %d %b %Y %H:%M:%S GMT`). */
export function parseHttpDate(text: string): number | undefined {
  const m = HTTP_DATE.exec(text);
  if (m === null) return undefined;
  const [, , day, monthName, year, hours, minutes, seconds] = m as unknown as string[];
  const month = MONTHS.indexOf(monthName!);
  if (month < 0) return undefined;
  const ms = Date.UTC(+year!, month, +day!, +hours!, +minutes!, +seconds!);
  // Date.UTC rolls 31 Feb over into March; such a date is not a date.
  return new Date(ms).getUTCDate() === +day! && +hours! < 24 && +minutes! < 60 && +seconds! < 60
    ? ms
    : undefined;
}
