import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { RowsSchema } from '../core/models/search.ts';
import { buildSerializer, isFreeForm } from './response-serializer.ts';

const route = (schema: unknown) => ({
  schema,
  method: 'POST',
  url: '/probe',
  httpStatus: '200',
});

/** The serializer each factory gives a route answering with `schema`. */
function serializers(schema: unknown) {
  const ours = buildSerializer({}, undefined)(route(schema) as never);
  const fastifys = SerializerSelector()({}, undefined)(route(schema) as never);
  return { ours, fastifys };
}

describe('isFreeForm', () => {
  it('is true for schemas that keep every value as it is', () => {
    expect(isFreeForm(RowsSchema)).toBe(true);
    expect(isFreeForm(Type.Unknown())).toBe(true);
    expect(isFreeForm(Type.Record(Type.String(), Type.Unknown()))).toBe(true);
    expect(isFreeForm(Type.Array(Type.Unknown(), { description: 'anything' }))).toBe(true);
  });

  it('is false for schemas that select or convert', () => {
    expect(isFreeForm(Type.Object({ JobID: Type.Integer() }))).toBe(false);
    expect(isFreeForm(Type.Array(Type.Object({ JobID: Type.Integer() })))).toBe(false);
    expect(isFreeForm(Type.Record(Type.String(), Type.Integer()))).toBe(false);
    expect(isFreeForm(Type.Record(Type.String(), Type.Unknown(), { minProperties: 1 }))).toBe(
      false,
    );
    expect(isFreeForm(Type.Array(Type.Unknown(), { maxItems: 3 }))).toBe(false);
    expect(isFreeForm(Type.String())).toBe(false);
    expect(isFreeForm({ $ref: 'Rows#' })).toBe(false);
  });
});

describe('buildSerializer', () => {
  it('writes free-form answers as fast-json-stringify does', () => {
    const rows = [
      { JobID: 1, Status: 'Waiting', Site: null, Owner: 'ünïcødé "quoted" \\ \n', Big: 2 ** 53 },
      { 'key "quoted"': [1, { nested: true }], Empty: {}, Float: 0.1, Negative: -0 },
      {},
    ];
    const { ours, fastifys } = serializers(RowsSchema);
    expect(ours(rows)).toBe(fastifys(rows));
    expect(JSON.parse(ours(rows))).toEqual(JSON.parse(JSON.stringify(rows)));
  });

  it('keeps keys that hold a line break, as DiracX does', () => {
    // fast-json-stringify tests keys against `^.*$`, which no line break matches: it
    // dropped such a key (a job parameter's name, say) where FastAPI sends it.
    const { ours } = serializers(RowsSchema);
    expect(JSON.parse(ours([{ 'two\nlines': 1, 'sep\u2028': 2 }]))).toEqual([
      { 'two\nlines': 1, 'sep\u2028': 2 },
    ]);
  });

  it('still drops what a shaped schema does not declare', () => {
    const { ours, fastifys } = serializers(Type.Object({ JobID: Type.Integer() }));
    const answer = { JobID: 7, secret: 'must not leave the box' };
    expect(ours(answer)).toBe('{"JobID":7}');
    expect(ours(answer)).toBe(fastifys(answer));
  });
});
