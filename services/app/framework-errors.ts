import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import AjvCompiler from '@fastify/ajv-compiler';
import type SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { InvalidRequestError } from '../core/index.ts';
import { buildSerializer } from './response-serializer.ts';

/**
 * Errors that Fastify or Node's HTTP parser answer before any route runs, given the
 * `{"detail": ...}` body that every other error of the API has (DiracX's FastAPI shape).
 */

/**
 * Node's parser refuses a request before Fastify sees it (headers or URL over the size
 * limit, a malformed request line, a client too slow to send its headers); Fastify's default
 * answers `{"error", "message", "statusCode"}`. Same statuses, DiracX's body.
 */
export function clientErrorHandler(
  error: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? isRequestLineTooLong(error.rawPacket)
        ? [414, 'URI Too Long']
        : [431, 'Request header fields too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request timeout']
        : [400, 'Bad Request'];
  const body = JSON.stringify({ detail });
  // Written like Node's own answer: the parser is in an error state, so the connection ends.
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Node counts the request line in its header size limit; when the line alone is over it
 * (as far as the bytes the parser failed on show), the URL is what is too long.
 */
function isRequestLineTooLong(packet: unknown): boolean {
  // Node passes the bytes as a Buffer (Fastify's type says otherwise).
  if (!Buffer.isBuffer(packet) || !/^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1'))) {
    return false;
  }
  const lineEnd = packet.indexOf('\r\n');
  return lineEnd === -1 || lineEnd > maxHeaderSize;
}

/**
 * Fastify's router errors (a URL that does not decode: 400; a path parameter over
 * `maxParamLength`: 414), which Fastify otherwise writes in its own shape.
 */
export function frameworkErrors(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
) {
  const status = error.statusCode ?? 400;
  // 5xx bodies stay generic, as everywhere else (an async route constraint that failed).
  return reply
    .code(status)
    .send({ detail: status < 500 ? error.message : 'Internal Server Error' });
}

/** HTTP/1.1 requires Host (RFC 9112, section 3.2); Node's own check answers without a body. */
export async function requireHost(request: FastifyRequest): Promise<void> {
  if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
    throw new InvalidRequestError('Missing Host header');
  }
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * 404 for a path nothing serves; 405 with `Allow` for a path served under other methods,
 * as Starlette answers (`{"detail": "Method Not Allowed"}`).
 */
export function notFoundHandler(app: FastifyInstance) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.url.split('?', 1)[0]!;
    const allowed = METHODS.filter(
      (method) => method !== request.method && app.findRoute({ method, url }) !== null,
    );
    if (allowed.length === 0) return reply.code(404).send({ detail: 'Not Found' });
    return reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({ detail: 'Method Not Allowed' });
  };
}

/**
 * Fastify's validator with ajv's type coercion only where the wire has nothing but strings
 * (query string, path, headers). Bodies are JSON (or form fields, all strings), so a body
 * coerced by ajv would accept `{"job_ids": "5"}` as `[5]` or `[true]` as `[1]`, which
 * FastAPI (and so DiracX) refuses with 422.
 */
export const validatorCompilers: {
  buildValidator: AjvCompiler.BuildCompilerFromPool;
  buildSerializer: SerializerSelector.SerializerFactory;
} = {
  buildValidator(externalSchemas, options) {
    const build = AjvCompiler();
    const lenient = build(externalSchemas, options);
    const strict = build(externalSchemas, {
      ...options,
      mode: undefined,
      customOptions: { ...(options?.customOptions as AjvCompiler.Options), coerceTypes: false },
    });
    return (route) => lazyValidator(() => (route.httpPart === 'body' ? strict : lenient)(route));
  },
  buildSerializer,
};

/**
 * A route's validator, compiled by ajv when the route is first called, not when the app
 * starts: compiling every route's schemas up front was most of a box's start-up time.
 */
type Validator = ReturnType<ReturnType<AjvCompiler.BuildCompilerFromPool>>;
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown };

function lazyValidator(compile: () => Validator): Validator {
  let validate: Validator | undefined;
  const lazy: Validate = (data, context) => {
    validate ??= compile();
    const result = (validate as unknown as Validate)(data, context);
    lazy.errors = validate.errors;
    return result;
  };
  // Fastify hands the parent over (so that ajv may replace a coerced root value) only to a
  // validator that has ajv's schemaEnv.
  Object.defineProperty(lazy, 'schemaEnv', {
    get: () => ((validate ??= compile()) as { schemaEnv?: unknown }).schemaEnv,
  });
  return lazy as unknown as Validator;
}
