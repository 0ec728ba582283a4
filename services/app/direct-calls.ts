import type { FastifyError, FastifyInstance, RouteOptions } from 'fastify';
import { DIRACX_MIN_CLIENT_VERSION, authenticate, checkClientVersion } from '../routers/index.ts';
import { handleError } from './error-handler.ts';
import { MAX_JSON_DEPTH, jsonDepth } from './json-body.ts';
import { InvalidRequestError } from '../core/index.ts';

/**
 * A JSON call to the API as a value: what the client's direct transport hands over instead
 * of bytes (client/transport.ts declares the same shape; neither side imports the other).
 * The body is handed over: the caller neither keeps nor changes it afterwards.
 */
export interface DirectCall {
  method: string;
  /** Path and query under the server root, e.g. `/api/jobs/search?page=1`. */
  path: string;
  /** Lower-case names. */
  headers?: Readonly<Record<string, string>>;
  /** The JSON body as a value; undefined for none. */
  value?: unknown;
}

/** The answer as a value: what the route's handler (or the error handler) sent. */
export interface DirectAnswer {
  status: number;
  headers: Record<string, string>;
  /** Undefined when the answer has no body (204). */
  value: unknown;
}

/** Calls the app's routes without HTTP; undefined when a call needs the wire (see below). */
export interface DirectCalls {
  call(call: DirectCall): Promise<DirectAnswer | undefined>;
}

type Hook = (request: unknown, reply: unknown) => Promise<unknown> | unknown;
type Validate = ((data: unknown, context?: unknown) => boolean) & {
  errors?: unknown[] | null;
  schemaEnv?: unknown;
};
type ValidatorCompiler = (route: {
  schema: unknown;
  method: string;
  url: string;
  httpPart: string;
}) => Validate;

interface DirectRoute {
  readonly method: string;
  readonly url: string;
  /** For a path with parameters: the pattern and the names of its groups. */
  readonly pattern: RegExp | undefined;
  /** A 0 for each static segment, a 1 for each parameter: the lowest matching rank wins. */
  readonly rank: string;
  readonly paramNames: readonly string[];
  readonly requiresAuth: boolean;
  readonly instance: FastifyInstance;
  readonly handler: RouteOptions['handler'];
  readonly onRequest: readonly Hook[];
  readonly preValidation: readonly Hook[];
  readonly schema: { params?: unknown; body?: unknown; querystring?: unknown };
  /** Compiled on the first call, as the app compiles its own (framework-errors.ts). */
  validators?: { params?: Validate; body?: Validate; querystring?: Validate };
}

/** Route hooks the direct path does not run (it runs onRequest and preValidation): a route with one is left to the wire. */
const OTHER_HOOKS = [
  'preParsing',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onError',
  'onTimeout',
  'onRequestAbort',
];
/** Fastify's default `maxParamLength`: a longer parameter is a 414 the wire gives. */
const MAX_PARAM_LENGTH = 100;
/** What light-my-request sends, so that URLs a handler builds are those of injection. */
const HOST = 'localhost:80';

/**
 * The routes of an app, recorded as each router registers them, so that a caller in the
 * same process (the simulator's direct transport) runs exactly the route's own code (its
 * access policy, logic and DB calls, in the route's handler) with the same checks before it
 * as over HTTP, in the same order:
 *
 * 1. the app's `DiracX-Client-Version` check, then the bearer token (`authenticate`, with
 *    the app's cache of verified tokens) for routers that require one, then the route's own
 *    `onRequest` hooks;
 * 2. the JSON body's depth bound (the app's JSON parser's), then the route's `preValidation`
 *    hooks;
 * 3. params, body and query string against the route's schemas, compiled by the app's own
 *    validator compiler (so a bad call gets the same 422 body);
 * 4. the handler; whatever it throws goes through the app's error handler.
 *
 * What is not done: no bytes are parsed or written, so the answer is the handler's value as
 * it is, not filtered by the response schema (a handler that sends fields its schema does not
 * declare would show them here); the body size limit (413) is a limit of the wire and not
 * applied. Calls this cannot serve as the app would (no such route, a route with other hooks,
 * a header schema or per-content-type bodies, a body that is not JSON, a parameter that does
 * not decode) come back undefined for the caller to send over the wire.
 */
export class DirectRoutes implements DirectCalls {
  readonly #static = new Map<string, DirectRoute>();
  readonly #parametric = new Map<string, DirectRoute[]>();
  /** `METHOD url` of the routes left to the wire. */
  readonly #declined = new Set<string>();
  readonly #app: FastifyInstance;
  readonly #checkVersion = checkClientVersion(DIRACX_MIN_CLIENT_VERSION);

  constructor(app: FastifyInstance) {
    this.#app = app;
  }

  /** An `onRoute` hook for the scope of one router (Fastify calls it on the route's plugin). */
  collector(requiresAuth: boolean) {
    const add = (instance: FastifyInstance, options: RouteOptions) =>
      this.#add(instance, options, requiresAuth);
    return function (this: FastifyInstance, options: RouteOptions): void {
      add(this, options);
    };
  }

  #add(instance: FastifyInstance, options: RouteOptions, requiresAuth: boolean): void {
    const record = options as unknown as Record<string, unknown>;
    const schema = (options.schema ?? {}) as Record<string, unknown>;
    const body = schema.body as { content?: unknown } | undefined;
    const decline = () => {
      for (const method of [options.method].flat()) this.#declined.add(`${method} ${options.url}`);
    };
    if (
      OTHER_HOOKS.some((hook) => record[hook] !== undefined) ||
      schema.headers !== undefined ||
      (body !== undefined && body.content !== undefined)
    )
      return decline();
    const hooks = (name: 'onRequest' | 'preValidation'): Hook[] => {
      const value = record[name];
      return value === undefined ? [] : Array.isArray(value) ? value : [value as Hook];
    };
    // `:name` segments only; anything else find-my-way knows (wildcards, regular expressions,
    // several parameters in one segment) is left to the wire.
    const segments = options.url.split('/');
    if (segments.some((part) => part.includes('*') || /.:|^:(?![A-Za-z_]\w*$)/.test(part)))
      return decline();
    const paramNames = segments.filter((part) => part.startsWith(':')).map((p) => p.slice(1));
    const isParametric = paramNames.length > 0;
    const source = segments
      .map((part) =>
        part.startsWith(':') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    // As find-my-way: at the first segment where two routes differ, static text wins.
    const rank = segments.map((part) => (part.startsWith(':') ? '1' : '0')).join('');
    for (const method of [options.method].flat()) {
      const route: DirectRoute = {
        method,
        url: options.url,
        pattern: isParametric ? new RegExp(`^${source}$`) : undefined,
        rank,
        paramNames,
        requiresAuth,
        instance,
        handler: options.handler,
        onRequest: hooks('onRequest'),
        preValidation: hooks('preValidation'),
        schema: {
          params: schema.params,
          body: schema.body,
          querystring: schema.querystring,
        },
      };
      if (route.pattern === undefined) this.#static.set(`${method} ${options.url}`, route);
      else
        this.#parametric.set(
          method,
          [...(this.#parametric.get(method) ?? []), route].sort((a, b) =>
            a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0,
          ),
        );
    }
  }

  #find(method: string, pathname: string) {
    const route =
      this.#static.get(`${method} ${pathname}`) ?? this.#rootWithSlash(method, pathname);
    if (route !== undefined) return { route, params: {} };
    for (const candidate of this.#parametric.get(method) ?? []) {
      const match = candidate.pattern!.exec(pathname);
      if (match === null) continue;
      const params: Record<string, string> = {};
      for (const [index, name] of candidate.paramNames.entries()) {
        const raw = match[index + 1]!;
        if (raw.length > MAX_PARAM_LENGTH) return undefined;
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          return undefined;
        }
      }
      return { route: candidate, params };
    }
    return undefined;
  }

  /**
   * A router's root route (`/` under its prefix) that Fastify mounts at `/prefix` and, by
   * default, at `/prefix/` too; `onRoute` hears only of the first. Fastify serving the path
   * with the slash, which no route of its own declared, says which case this is.
   */
  #rootWithSlash(method: string, pathname: string): DirectRoute | undefined {
    const key = `${method} ${pathname}`;
    if (pathname.length < 2 || !pathname.endsWith('/') || this.#declined.has(key)) return undefined;
    const root = this.#static.get(`${method} ${pathname.slice(0, -1)}`);
    if (root === undefined || !this.#app.hasRoute({ method, url: pathname })) return undefined;
    this.#static.set(key, root);
    return root;
  }

  async call(call: DirectCall): Promise<DirectAnswer | undefined> {
    const headers = call.headers ?? {};
    const contentType = headers['content-type'];
    if (contentType !== undefined && !/^application\/json\b/i.test(contentType)) return undefined;
    if (call.value !== undefined && contentType === undefined) return undefined;
    const queryAt = call.path.indexOf('?');
    const pathname = queryAt === -1 ? call.path : call.path.slice(0, queryAt);
    const found = this.#find(call.method, pathname);
    if (found === undefined) return undefined;
    const { route } = found;

    const query: Record<string, string | string[]> = {};
    if (queryAt !== -1)
      for (const [key, value] of new URLSearchParams(call.path.slice(queryAt + 1))) {
        const seen = query[key];
        query[key] = seen === undefined ? value : [seen, value].flat();
      }
    const request = {
      method: call.method,
      url: call.path,
      headers: { host: HOST, ...headers },
      host: HOST,
      hostname: 'localhost',
      protocol: 'http',
      body: call.value,
      query,
      params: found.params,
      user: null,
      server: route.instance,
      log: this.#app.log,
      is404: false,
    };
    const reply = new DirectReply();
    try {
      await this.#checkVersion(request as never);
      if (route.requiresAuth) await authenticate(request as never);
      for (const hook of route.onRequest) await hook.call(route.instance, request, reply);
      if (call.value !== undefined && jsonDepth(call.value) > MAX_JSON_DEPTH)
        throw new InvalidRequestError(`JSON body nested deeper than ${MAX_JSON_DEPTH} levels`);
      for (const hook of route.preValidation) await hook.call(route.instance, request, reply);
      this.#validate(route, request);
      const value: unknown = await (
        route.handler as unknown as (this: unknown, request: unknown, reply: unknown) => unknown
      ).call(route.instance, request, reply);
      if (!reply.sent) {
        if (value === undefined) throw new Error(`${call.method} ${route.url} answered nothing`);
        reply.send(value);
      }
    } catch (error) {
      const failure = new DirectReply();
      handleError(error as FastifyError, request as never, failure as never);
      return failure.answer();
    }
    return reply.answer();
  }

  /** Fastify's order: params, then body, then query string; the first failure is the answer. */
  #validate(route: DirectRoute, request: Record<string, unknown>): void {
    // The compiler Fastify set up for the route's own plugin at start-up.
    const compile = (route.instance as unknown as { validatorCompiler: ValidatorCompiler })
      .validatorCompiler;
    const validators = (route.validators ??= {});
    for (const [part, field] of [
      ['params', 'params'],
      ['body', 'body'],
      ['querystring', 'query'],
    ] as const) {
      const schema = route.schema[part];
      if (schema === undefined) continue;
      const validate = (validators[part] ??= compile({
        schema,
        method: route.method,
        url: route.url,
        httpPart: part,
      }));
      const data = request[field] ?? null;
      const valid =
        validate.schemaEnv === undefined
          ? validate(data)
          : validate(data, { parentData: request, parentDataProperty: field });
      if (!valid) {
        const error = new Error(`${part} failed validation`) as FastifyError;
        Object.assign(error, {
          statusCode: 400,
          code: 'FST_ERR_VALIDATION',
          validation: validate.errors ?? [],
          validationContext: part,
        });
        throw error;
      }
    }
  }
}

/** The part of Fastify's reply that handlers and the error handler use. */
class DirectReply {
  statusCode = 200;
  sent = false;
  #payload: unknown;
  readonly #headers: Record<string, string> = {};

  code(status: number): this {
    this.statusCode = status;
    return this;
  }

  status(status: number): this {
    return this.code(status);
  }

  header(name: string, value: unknown): this {
    this.#headers[name.toLowerCase()] = String(value);
    return this;
  }

  headers(values: Readonly<Record<string, unknown>>): this {
    for (const [name, value] of Object.entries(values)) this.header(name, value);
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.#headers[name.toLowerCase()];
  }

  type(contentType: string): this {
    return this.header('content-type', contentType);
  }

  send(payload?: unknown): this {
    this.sent = true;
    this.#payload = payload;
    return this;
  }

  answer(): DirectAnswer {
    const hasBody = this.statusCode !== 204 && this.statusCode !== 304;
    return {
      status: this.statusCode,
      headers: this.#headers,
      value: hasBody ? this.#payload : undefined,
    };
  }
}

// The routes of an app, for `directCalls(app)`.
declare module 'fastify' {
  interface FastifyInstance {
    directRoutes: DirectRoutes;
  }
}

/** The app's routes as direct calls (the simulator's `--transport direct`). */
export function directCalls(app: FastifyInstance): DirectCalls {
  return app.directRoutes;
}
