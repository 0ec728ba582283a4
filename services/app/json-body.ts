import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../core/index.ts';

/**
 * Deepest JSON body accepted. DiracX's own bodies nest four or five levels (a search, a
 * metadata report); a bound keeps a hostile body (10,000 nested arrays) away from the
 * recursive validator and serializer, which would overflow the stack and answer 500.
 */
export const MAX_JSON_DEPTH = 64;

/** How deep `value` nests (a scalar is 0), counted without recursion, stopping past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
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
