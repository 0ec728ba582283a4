import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GridboxError } from '../core/index.ts';
import type { ValidationErrorBody } from '../routers/index.ts';

/** Where FastAPI says a bad value was, for each part of a request Fastify validates. */
const LOCATION: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * The one place errors become responses: domain errors keep their status and message,
 * schema failures become FastAPI's 422, other client errors keep Fastify's 4xx, and
 * anything else is a 500 whose details go to the log only.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof GridboxError) {
    return reply.code(error.statusCode).headers(error.headers).send(error.body);
  }
  if (error.validation !== undefined) {
    return reply.code(422).send(validationBody(error, request));
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return reply.code(error.statusCode).send({ detail: error.message });
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send({ detail: 'Internal Server Error' });
}

function validationBody(error: FastifyError, request: FastifyRequest): ValidationErrorBody {
  const context = error.validationContext ?? 'body';
  // Fastify names the query string part `querystring` but keeps it as `request.query`.
  const source: unknown = (request as unknown as Record<string, unknown>)[
    context === 'querystring' ? 'query' : context
  ];
  return {
    detail: (error.validation ?? []).map((issue) => {
      const path = issue.instancePath
        .split('/')
        .slice(1)
        .map((part) =>
          /^\d+$/.test(part) ? Number(part) : part.replaceAll('~1', '/').replaceAll('~0', '~'),
        );
      const missing = issue.params.missingProperty;
      if (typeof missing === 'string') path.push(missing);
      return {
        type: issue.keyword === 'required' ? 'missing' : issue.keyword,
        loc: [LOCATION[context] ?? context, ...path],
        msg: issue.message ?? 'invalid value',
        input: valueAt(source, typeof missing === 'string' ? path.slice(0, -1) : path),
      };
    }),
  };
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value ?? null;
}
