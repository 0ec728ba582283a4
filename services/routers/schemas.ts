import Type, { type Static } from 'typebox';
import { RowsSchema } from '../core/index.ts';

/** The body of every deliberate error, as DiracX (FastAPI) sends it. */
export const ErrorSchema = Type.Object({ detail: Type.String() }, { description: 'An error.' });

/** FastAPI's request-validation error, which DiracX clients know how to print. */
export const ValidationErrorSchema = Type.Object(
  {
    detail: Type.Array(
      Type.Object(
        {
          type: Type.String(),
          loc: Type.Array(Type.Union([Type.String(), Type.Integer()])),
          msg: Type.String(),
          input: Type.Optional(Type.Unknown()),
        },
        { title: 'ValidationError' },
      ),
    ),
  },
  { description: 'The request did not match the schema.', title: 'HTTPValidationError' },
);

export type ErrorBody = Static<typeof ErrorSchema>;
export type ValidationErrorBody = Static<typeof ValidationErrorSchema>;

/** 503 answers carry Retry-After; declared so that it shows in the OpenAPI document. */
export const UnavailableSchema = Type.Object(
  { detail: Type.String() },
  { description: 'A dependency is not ready; retry after the Retry-After header.' },
);

export { RowsSchema } from '../core/index.ts';

/**
 * The query string of DiracX's paginated search routes, optional with defaults as in
 * DiracX's document (validation fills the defaults in). DiracX bounds neither; the page is
 * bounded so that its first row, (page - 1) × per_page, stays an exact integer that every
 * SQL backend takes as an OFFSET (`?page=1e20` is a 422, not a database error).
 */
const MAX_PAGE = 1_000_000_000;
export const PageQuerySchema = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 })),
});

/**
 * `preValidation` of the search routes: DiracX's body is optional (its client sends none for
 * "everything"), and validation would refuse a missing body against the object schema.
 */
export async function emptySearchBodyIfMissing(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}

/** A search answers a whole result (200), a page of it with Content-Range (206), or 416. */
export const SearchResponses = {
  200: RowsSchema,
  206: RowsSchema,
  416: Type.Array(Type.Unknown()),
};
