/**
 * Most values one statement binds. SQLite refuses more than 32,766 bound parameters ("too
 * many SQL variables"); a request naming 33,000 jobs must still work, so the DBs split long
 * id lists and row batches into statements of at most this many values.
 */
export const MAX_BOUND_VALUES = 10_000;

/** `items` cut into runs of at most `size`, in order; none for an empty list. */
export function chunksOf<T>(items: readonly T[], size = MAX_BOUND_VALUES): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * Most bytes of values one statement sends, so a multi-row INSERT of large rows stays well
 * under MySQL's max_allowed_packet (16 MiB on MariaDB by default, 64 MiB on MySQL 8): the
 * client inlines the values into the statement's one packet.
 */
export const MAX_STATEMENT_BYTES = 4 * 2 ** 20;

/**
 * `items` cut into runs, in order, each of at most `size` items and at most `maxBytes` by
 * `bytesOf` (an item larger than that alone makes a run of its own); none for an empty list.
 */
export function chunksByBytes<T>(
  items: readonly T[],
  size: number,
  bytesOf: (item: T) => number,
  maxBytes = MAX_STATEMENT_BYTES,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = bytesOf(item);
    if (current.length > 0 && (current.length >= size || bytes + itemBytes > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
