/**
 * DATETIME values as DiracX's tables hold them: UTC, `YYYY-MM-DD HH:MM:SS`, written by the
 * application from its clock (SQL never fills NOW(), so virtual time reaches the tables).
 */
export function toSqlDateTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('T', ' ').slice(0, 19);
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
