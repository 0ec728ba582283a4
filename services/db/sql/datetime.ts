import { InvalidRequestError } from '../../core/index.ts';

/**
 * DATETIME values as DiracX's tables hold them: UTC, `YYYY-MM-DD HH:MM:SS`, written by the
 * application from its clock (SQL never fills NOW(), so virtual time reaches the tables).
 */
export function toSqlDateTime(ms: number): string {
  // A DATETIME outside this range is a database error on MySQL and unordered text on SQLite.
  if (!isStorableTime(ms))
    throw new InvalidRequestError(`Time ${ms} ms is outside the years 1 to 9999`);
  const second = Math.floor(ms / 1000);
  // Every write of a request stamps the same second, and so do most requests in a row.
  if (second !== lastSecond) {
    lastSecond = second;
    lastText = new Date(second * 1000).toISOString().replace('T', ' ').slice(0, 19);
  }
  return lastText;
}

let lastSecond = Number.NaN;
let lastText = '';

const FIRST_MS = Date.parse('0001-01-01T00:00:00Z');
const LAST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Whether a time fits a DATETIME column: the years 1 to 9999, as Python's datetime (DiracX
 * refuses anything else with a 422) and MySQL hold.
 */
export function isStorableTime(ms: number): boolean {
  return ms >= FIRST_MS && ms <= LAST_MS;
}

export function fromSqlDateTime(value: string | Date): number {
  // mysql2 is opened with dateStrings, but a driver may still hand back a Date.
  if (value instanceof Date) return value.getTime();
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/** A DATETIME as DiracX's API shows it: ISO 8601 in UTC, without milliseconds. */
export function sqlDateTimeToIso(value: string | Date): string {
  return new Date(fromSqlDateTime(value)).toISOString().replace('.000Z', 'Z');
}
