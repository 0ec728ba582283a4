import Type, { type Static } from 'typebox';

/** DiracX's search language (SearchParams / SummaryParams), shared by client and services. */

const Scalar = Type.Union([Type.String(), Type.Number()]);

export const ScalarSearchSpecSchema = Type.Object(
  {
    parameter: Type.String(),
    operator: Type.Enum(['eq', 'neq', 'gt', 'lt', 'like', 'not like', 'regex']),
    value: Scalar,
  },
  { additionalProperties: false },
);

export const VectorSearchSpecSchema = Type.Object(
  {
    parameter: Type.String(),
    operator: Type.Enum(['in', 'not in']),
    values: Type.Array(Scalar),
  },
  { additionalProperties: false },
);

export const SearchSpecSchema = Type.Union([ScalarSearchSpecSchema, VectorSearchSpecSchema]);

export const SortSpecSchema = Type.Object(
  { parameter: Type.String(), direction: Type.Enum(['asc', 'desc']) },
  { additionalProperties: false },
);

export const SearchParamsSchema = Type.Object(
  {
    parameters: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
    search: Type.Optional(Type.Array(SearchSpecSchema)),
    sort: Type.Optional(Type.Array(SortSpecSchema)),
    distinct: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SummaryParamsSchema = Type.Object(
  {
    grouping: Type.Array(Type.String()),
    search: Type.Optional(Type.Array(SearchSpecSchema)),
  },
  { additionalProperties: false },
);

export type ScalarSearchSpec = Static<typeof ScalarSearchSpecSchema>;
export type VectorSearchSpec = Static<typeof VectorSearchSpecSchema>;
export type SearchSpec = Static<typeof SearchSpecSchema>;
export type SortSpec = Static<typeof SortSpecSchema>;
export type SearchParams = Static<typeof SearchParamsSchema>;
export type SummaryParams = Static<typeof SummaryParamsSchema>;
