import type { Dispatcher } from 'undici';
import { fetch } from 'undici';

/** One request, as the typed client describes it; the transport decides how it travels. */
export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query under the server root, e.g. `/api/jobs/search?page=1`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A call with a JSON body (if any) and a JSON answer, as values rather than bytes. */
export interface TransportCall {
  method: TransportRequest['method'];
  /** Path and query under the server root. */
  path: string;
  /** Lower-case names. */
  headers?: Record<string, string>;
  /** The body; handed over, so the caller neither keeps nor changes it afterwards. */
  value?: unknown;
}

export interface TransportAnswer {
  status: number;
  headers: Record<string, string>;
  /** The decoded body; undefined when there is none. */
  value: unknown;
}

/**
 * How the client reaches a DiracX-compatible server: over HTTP (wire mode, any URL), by
 * injection into a Fastify app in the same process (fast mode), or by calling that app's
 * routes directly (direct: the same checks and handlers, no HTTP emulation). All carry the
 * same requests and see the same answers, so everything above the client behaves identically.
 */
export interface Transport {
  readonly name: 'http' | 'inject' | 'direct';
  request(request: TransportRequest): Promise<TransportResponse>;
  /**
   * A JSON call without bytes in between, where the transport can (direct); the client
   * sends bytes through `request` otherwise.
   */
  call?(call: TransportCall): Promise<TransportAnswer>;
  /**
   * Follows an absolute URL the server handed out (a signed sandbox URL): over HTTP it is
   * fetched as is; injected, a URL on the server itself becomes a path on the app.
   */
  requestUrl(url: string, request: Omit<TransportRequest, 'path'>): Promise<TransportResponse>;
}

export function httpTransport(baseUrl: string, dispatcher?: Dispatcher): Transport {
  const root = baseUrl.replace(/\/$/, '');
  const send = async (url: string, request: Omit<TransportRequest, 'path'>) => {
    const response = await fetch(url, {
      method: request.method,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: Buffer.from(await response.arrayBuffer()),
    };
  };
  return {
    name: 'http',
    request: (request) => send(`${root}${request.path}`, request),
    requestUrl: (url, request) => send(url, request),
  };
}

/** The part of a Fastify app that injection needs (light-my-request's inject). */
export interface Injectable {
  inject(options: {
    method: TransportRequest['method'];
    url: string;
    headers?: Record<string, string>;
    payload?: string | Buffer;
  }): Promise<{
    statusCode: number;
    headers: Record<string, string | string[] | number | undefined>;
    rawPayload: Buffer;
  }>;
}

export function injectTransport(app: Injectable): Transport {
  const send = async (path: string, request: Omit<TransportRequest, 'path'>) => {
    const response = await app.inject({
      method: request.method,
      url: path,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.body === undefined
        ? {}
        : {
            payload: typeof request.body === 'string' ? request.body : Buffer.from(request.body),
          }),
    });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      if (value !== undefined)
        headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    return { status: response.statusCode, headers, body: response.rawPayload };
  };
  return {
    name: 'inject',
    request: (request) => send(request.path, request),
    requestUrl: (url, request) => {
      const parsed = new URL(url);
      return send(`${parsed.pathname}${parsed.search}`, request);
    },
  };
}

/**
 * What the direct transport calls: an app's routes as values (`directCalls(app)` of
 * services/app). Undefined means the call needs the wire (a route it cannot serve as the
 * app would); the transport then sends it through `wire`.
 */
export interface DirectCalls {
  call(call: TransportCall): Promise<TransportAnswer | undefined>;
}

/**
 * The app's routes called in process with the request as a value: the same token check,
 * schemas, access policies, logic and error handler as over HTTP, without light-my-request
 * or a JSON round trip. A signed URL without a body (a sandbox download) is followed the
 * same way, its bytes handed over as the handler sent them. Uploads and the calls `routes`
 * declines go through `wire`, an inject transport into the same app.
 */
export function directTransport(routes: DirectCalls, wire: Transport): Transport {
  return {
    name: 'direct',
    request: (request) => wire.request(request),
    requestUrl: async (url, request) => {
      if (request.body === undefined) {
        // As injection does: a URL the server handed out is a path on the app itself.
        const parsed = new URL(url);
        const answer = await routes.call({
          method: request.method,
          path: `${parsed.pathname}${parsed.search}`,
          ...(request.headers === undefined ? {} : { headers: request.headers }),
        });
        if (answer !== undefined) return asBytes(answer);
      }
      return wire.requestUrl(url, request);
    },
    call: async (call) => (await routes.call(call)) ?? (await sendAsBytes(wire, call)),
  };
}

/** A direct answer as a response: bytes and text as they are, any other value as JSON. */
function asBytes({ status, headers, value }: TransportAnswer): TransportResponse {
  if (value === undefined) return { status, headers, body: Buffer.alloc(0) };
  if (value instanceof Uint8Array)
    return { status, headers, body: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
  if (typeof value === 'string') return { status, headers, body: Buffer.from(value) };
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: Buffer.from(JSON.stringify(value)),
  };
}

/** A JSON call over a transport that carries bytes. */
export async function sendAsBytes(
  transport: Transport,
  call: TransportCall,
): Promise<TransportAnswer> {
  const response = await transport.request({
    method: call.method,
    path: call.path,
    ...(call.headers === undefined ? {} : { headers: call.headers }),
    ...(call.value === undefined ? {} : { body: JSON.stringify(call.value) }),
  });
  return { status: response.status, headers: response.headers, value: decodeBody(response.body) };
}

/** A JSON body as its value; a body that is not JSON stays text; an empty one is undefined. */
export function decodeBody(body: Buffer): unknown {
  if (body.byteLength === 0) return undefined;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
