import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SEConfig } from '../../services/core/index.ts';
import { storageRoot, validateLfn } from './lfn.ts';
import {
  DEFAULT_MAX_FILE_BYTES,
  MemoryStorageElement,
  firstProtocol,
} from './memory-storage-element.ts';
import { type AccessStatus, type AccessType, StorageError } from './storage-element.ts';

/**
 * The caller's VO. A real SE learns it from the VOMS attributes of the client's certificate
 * (or the token's scope); the loopback server trusts this header instead, which is only
 * acceptable because it listens on 127.0.0.1 for a simulator in the same process.
 */
export const VO_HEADER = 'x-gridbox-vo';
/** Adler-32 of the stored file, sent on PUT, GET and HEAD as DIRAC's HTTP SEs do. */
export const CHECKSUM_HEADER = 'x-checksum-adler32';
/**
 * An error's detail, percent-encoded, beside the `{"detail": …}` body: a HEAD response has
 * no body, and a refused stat should say why as clearly as a refused get.
 */
export const DETAIL_HEADER = 'x-gridbox-detail';

export interface StorageServerOptions {
  name: string;
  config: SEConfig;
  /** Larger uploads are answered 413. Default 16 MiB. */
  maxFileBytes?: number;
  /** Default 0: any free port. */
  port?: number;
}

const STATUS_OF: Record<StorageError['code'], number> = {
  Invalid: 400,
  Forbidden: 403,
  NotFound: 404,
  Unavailable: 503,
};

/**
 * A running loopback HTTP server for one SE: `PUT`/`GET`/`HEAD`/`DELETE` on
 * `<Path>/<LFN>` (Path from the SE's first protocol), answering 201/200/200/204, and
 * 400 (bad path or LFN, missing VO header), 403 (VO or access refused), 404 (no such
 * file), 405 (other methods), 413 (body too large), with `{"detail": …}` bodies.
 * Files live in a `MemoryStorageElement`, so both modes enforce the same rules.
 */
export class StorageServer {
  readonly name: string;
  readonly #server: Server;
  readonly #store: MemoryStorageElement;
  readonly #root: string;
  // Kept after close, when the server no longer has an address: its URLs remain its PFNs.
  readonly #port: number;

  /** Use `startStorageServer`; this wraps a server already listening. */
  constructor(server: Server, store: MemoryStorageElement, root: string) {
    this.name = store.name;
    this.#server = server;
    this.#store = store;
    this.#root = root;
    this.#port = (server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The URL an LFN is appended to: `http://127.0.0.1:<port><Path>`. */
  get rootUrl(): string {
    return this.url + this.#root;
  }

  /**
   * Access statuses live in this process, shared with every `HttpStorageElement` built on
   * this server: an admin endpoint would put the RSS's job on the data path for no gain.
   */
  setAccess(type: AccessType, status: AccessStatus): void {
    this.#store.setAccess(type, status);
  }

  access(type: AccessType): AccessStatus {
    return this.#store.access(type);
  }

  /**
   * Stops listening and drops open connections, then frees the files' bytes; the port is
   * free once this resolves.
   */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
    this.#server.closeAllConnections();
    await closed;
    this.#store.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export async function startStorageServer(options: StorageServerOptions): Promise<StorageServer> {
  const root = storageRoot(firstProtocol(options.name, options.config).Path);
  if (root !== '') validateLfn(root, 'directory');
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const store = new MemoryStorageElement(options.name, options.config, {
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    pfnPrefix: `http://127.0.0.1:${port}${root}`,
  });
  // Attached before this function returns, so no request can arrive without a handler.
  server.on('request', (request, response) => void handle(store, root, request, response));
  return new StorageServer(server, store, root);
}

async function handle(
  store: MemoryStorageElement,
  root: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const lfn = lfnOfPath(root, request.url ?? '');
    const vo = request.headers[VO_HEADER];
    if (typeof vo !== 'string' || vo === '') {
      throw new StorageError('Invalid', `the ${VO_HEADER} header naming the VO is required`);
    }
    switch (request.method) {
      case 'PUT': {
        store.authorize(lfn, vo, 'Write');
        const body = await readBody(request, store.maxFileBytes);
        if (body === undefined) {
          sendError(
            response,
            413,
            `files on SE ${store.name} are limited to ${store.maxFileBytes} bytes`,
          );
          return;
        }
        const stored = await store.put(lfn, body, vo);
        response.writeHead(201, { [CHECKSUM_HEADER]: stored.checksum }).end();
        return;
      }
      case 'GET': {
        const data = await store.get(lfn, vo);
        const stored = (await store.stat(lfn, vo))!;
        response
          .writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': data.length,
            [CHECKSUM_HEADER]: stored.checksum,
          })
          .end(data);
        return;
      }
      case 'HEAD': {
        const stored = await store.stat(lfn, vo);
        if (stored === undefined) {
          sendError(response, 404, `SE ${store.name} holds no file ${lfn}`);
          return;
        }
        response
          .writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': stored.size,
            [CHECKSUM_HEADER]: stored.checksum,
          })
          .end();
        return;
      }
      case 'DELETE':
        await store.remove(lfn, vo);
        response.writeHead(204).end();
        return;
      default:
        response.setHeader('allow', 'PUT, GET, HEAD, DELETE');
        sendError(response, 405, `method ${request.method} is not supported`);
    }
  } catch (error) {
    if (response.headersSent) {
      response.destroy();
    } else if (error instanceof StorageError) {
      sendError(response, STATUS_OF[error.code], error.message);
    } else {
      // A bug in this server: answer so the client does not hang, then let it surface.
      sendError(response, 500, 'internal storage error');
      throw error;
    }
  }
}

/**
 * The LFN a request path names. Node hands over the raw path, so every trick a client could
 * use to leave the root (`..`, `%2e%2e`, `%2f`, `//`) is still visible here and refused.
 */
export function lfnOfPath(root: string, rawUrl: string): string {
  const path = rawUrl.split('?', 1)[0]!;
  if (!path.startsWith(`${root}/`)) {
    throw new StorageError('Invalid', `path ${JSON.stringify(path)} is outside ${root}/`);
  }
  const segments = path
    .slice(root.length + 1)
    .split('/')
    .map((encoded) => {
      let segment: string;
      try {
        segment = decodeURIComponent(encoded);
      } catch {
        throw new StorageError('Invalid', `path ${JSON.stringify(path)} is badly percent-encoded`);
      }
      if (segment.includes('/')) {
        throw new StorageError('Invalid', `path ${JSON.stringify(path)} encodes a slash`);
      }
      return segment;
    });
  const lfn = `/${segments.join('/')}`;
  validateLfn(lfn);
  return lfn;
}

/**
 * The request body, or undefined when it is larger than `maxBytes`. A declared length is
 * refused before reading; an undeclared (chunked) one is read to the end but not kept, so
 * that the 413 reaches a client still sending rather than a reset connection.
 */
function readBody(request: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  if (Number(request.headers['content-length']) > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let total = 0;
    request.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= maxBytes) chunks.push(chunk);
      else chunks = [];
    });
    request.on('end', () => resolve(total > maxBytes ? undefined : Buffer.concat(chunks, total)));
    request.on('error', reject);
  });
}

function sendError(response: ServerResponse, status: number, detail: string): void {
  const body = JSON.stringify({ detail });
  response
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      [DETAIL_HEADER]: encodeURIComponent(detail),
    })
    .end(body);
}
