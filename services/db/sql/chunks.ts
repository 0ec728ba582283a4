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
