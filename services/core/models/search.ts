import Type, { type Static } from 'typebox';

/**
 * DiracX's search language (SearchParams / SummaryParams), shared by client and services.
 * Keys the language does not know are ignored, as pydantic does for DiracX, so a newer
 * client's extra options do not break a search.
 */

const Scalar = Type.Union([Type.String(), Type.Number()]);

export const ScalarSearchSpecSchema = Type.Object(
  {
    parameter: Type.String(),
    operator: Type.Enum(['eq', 'neq', 'gt', 'lt', 'like', 'not like', 'regex'], {
      title: 'ScalarSearchOperator',
    }),
    value: Scalar,
  },
  { title: 'ScalarSearchSpec' },
);

export const VectorSearchSpecSchema = Type.Object(
  {
    parameter: Type.String(),
    operator: Type.Enum(['in', 'not in'], { title: 'VectorSearchOperator' }),
    values: Type.Array(Scalar),
  },
  { title: 'VectorSearchSpec' },
);

export const SearchSpecSchema = Type.Union([ScalarSearchSpecSchema, VectorSearchSpecSchema]);

export const SortSpecSchema = Type.Object(
  {
    parameter: Type.String(),
    direction: Type.Enum(['asc', 'desc'], { title: 'SortDirection' }),
  },
  { title: 'SortSpec' },
);

export const SearchParamsSchema = Type.Object(
  {
    parameters: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    search: Type.Optional(Type.Array(SearchSpecSchema)),
    sort: Type.Optional(Type.Array(SortSpecSchema)),
    distinct: Type.Optional(Type.Boolean()),
  },
  { title: 'SearchParams' },
);

export const SummaryParamsSchema = Type.Object(
  {
    grouping: Type.Array(Type.String()),
    search: Type.Optional(Type.Array(SearchSpecSchema)),
  },
  { title: 'SummaryParams' },
);

/** Rows of a search or summary: each row's columns are those the request selected. */
export const RowsSchema = Type.Array(Type.Record(Type.String(), Type.Unknown()));

export type ScalarSearchSpec = Static<typeof ScalarSearchSpecSchema>;
export type VectorSearchSpec = Static<typeof VectorSearchSpecSchema>;
export type SearchSpec = Static<typeof SearchSpecSchema>;
export type SortSpec = Static<typeof SortSpecSchema>;
export type SearchParams = Static<typeof SearchParamsSchema>;
export type SummaryParams = Static<typeof SummaryParamsSchema>;
export type Rows = Static<typeof RowsSchema>;
