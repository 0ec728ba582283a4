import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Schema = Record<string, unknown>;

/** A pattern that every property name matches, as TypeBox writes `Type.Record(Type.String(), …)`. */
const ANY_NAME = new Set(['^.*$', '^(.*)$']);

/**
 * True when a schema neither drops nor converts anything its data may hold: `{}`, a record
 * of such values, or an array of them. fast-json-stringify gains nothing there and loses a
 * lot: it tests each key against the pattern and stringifies each value on its own, 6-7
 * times JSON.stringify's time and garbage on a search page (the rows DiracX's search sends).
 */
export function isFreeForm(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const s = schema as Schema;
  const keys = Object.keys(s).filter((key) => !ANNOTATIONS.has(key));
  if (keys.length === 0) return true;
  if (s.type === 'array') return keys.length === 2 && isFreeForm(s.items);
  if (s.type !== 'object' || keys.length !== 2) return false;
  const patterns = s.patternProperties;
  if (typeof patterns !== 'object' || patterns === null) return false;
  const entries = Object.entries(patterns);
  return entries.length === 1 && ANY_NAME.has(entries[0]![0]) && isFreeForm(entries[0]![1]);
}

/** Keywords that describe a schema without constraining what is serialized. */
const ANNOTATIONS = new Set(['$id', 'title', 'description', 'examples', 'default']);

/**
 * Fastify's serializer factory, with two changes: a route's serializer is compiled when it
 * first answers rather than when the app starts, and free-form schemas (see isFreeForm)
 * are written by JSON.stringify, which gives the same text.
 */
export const buildSerializer: SerializerSelector.SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  return (route) => {
    if (isFreeForm(route.schema)) return (data) => JSON.stringify(data);
    let serialize: SerializerSelector.Serializer | undefined;
    return (data) => (serialize ??= compile(route))(data);
  };
};
