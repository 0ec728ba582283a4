import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../core/index.ts';

/**
 * Deepest JSON body accepted. DiracX's own bodies nest four or five levels (a search, a
 * metadata report); a bound keeps a hostile body (10,000 nested arrays) away from the
 * recursive validator and serializer, which would overflow the stack and answer 500.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep `value` nests (a scalar is 0), counted without recursion, stopping past `limit`.
 * Runs on every JSON body: only objects and arrays are stacked (a pilot's slot lists dozens
 * of platforms, each a string), and arrays are walked without copying their values.
 */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    const children: readonly unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child === null || typeof child !== 'object') continue;
      nodes.push(child);
      depths.push(depth + 1);
    }
  }
  return deepest;
}

/**
 * Fastify's JSON parser (with its prototype-poisoning checks), refusing a body nested deeper
 * than MAX_JSON_DEPTH with a 400.
 */
export function limitJsonDepth(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error, parsed?: unknown) => {
      if (error !== null) done(error, undefined);
      else if (jsonDepth(parsed) > MAX_JSON_DEPTH)
        done(new InvalidRequestError(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`));
      else done(null, parsed);
    });
  });
}
