/** A page of search results and how DiracX answers it: 200 whole, 206 partial, 416 past the end. */
export interface SearchPage {
  status: 200 | 206 | 416;
  contentRange: string | undefined;
  rows: Record<string, unknown>[];
}

/** The first row of a 1-based page. */
export const pageOffset = (page: number, perPage: number) => (page - 1) * perPage;

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
