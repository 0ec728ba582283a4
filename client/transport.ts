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

/**
 * How the client reaches a DiracX-compatible server: over HTTP (wire mode, any URL) or by
 * injection into a Fastify app in the same process (fast mode). Both carry the same
 * requests and see the same answers, so everything above the client behaves identically.
 */
export interface Transport {
  readonly name: 'http' | 'inject';
  request(request: TransportRequest): Promise<TransportResponse>;
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
