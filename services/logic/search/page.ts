import { InvalidRequestError } from '../../core/index.ts';

/** A page of search results and how DiracX answers it: 200 whole, 206 partial, 416 past the end. */
export interface SearchPage {
  status: 200 | 206 | 416;
  contentRange: string | undefined;
  rows: Record<string, unknown>[];
}

/**
 * The first row of a 1-based page. The route schemas bound both numbers, but a query string
 * such as `?page=1e400` reaches here as Infinity (the validator coerces the text and skips
 * its bounds), and no database takes that as an OFFSET.
 */
export function pageOffset(page: number, perPage: number): number {
  const offset = (page - 1) * perPage;
  if (
    !Number.isSafeInteger(page) ||
    !Number.isSafeInteger(perPage) ||
    !Number.isSafeInteger(offset)
  )
    throw new InvalidRequestError(`Invalid page ${page} of ${perPage} rows: out of range`);
  return offset;
}

/** DiracX's answer for `rows` read from `offset` out of `total`; `unit` names the range. */
export function searchPage(
  unit: string,
  offset: number,
  total: number,
  rows: Record<string, unknown>[],
): SearchPage {
  if (rows.length === total) return { status: 200, contentRange: undefined, rows };
  if (rows.length === 0) return { status: 416, contentRange: `${unit} */${total}`, rows: [] };
  return {
    status: 206,
    contentRange: `${unit} ${offset}-${offset + rows.length - 1}/${total}`,
    rows,
  };
}
