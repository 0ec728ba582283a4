import { type Dispatcher, type Response, fetch } from 'undici';
import { validateLfn } from './lfn.ts';
import {
  type AccessStatus,
  type AccessType,
  StorageError,
  type StorageElement,
  type StorageErrorCode,
  type StoredFile,
} from './storage-element.ts';
import { CHECKSUM_HEADER, DETAIL_HEADER, type StorageServer, VO_HEADER } from './storage-server.ts';

export interface HttpStorageElementOptions {
  /** The undici dispatcher (connection pool) to send requests through; default: global. */
  dispatcher?: Dispatcher;
}

const CODE_OF_STATUS: Readonly<Record<number, StorageErrorCode>> = {
  400: 'Invalid',
  403: 'Forbidden',
  404: 'NotFound',
  413: 'Invalid',
};

/**
 * A `StorageElement` reached over HTTP, as a pilot on a worker node reaches its SE. PFNs are
 * the server's URLs (`http://127.0.0.1:<port><Path><LFN>`; a configured WSUrl is left out,
 * since the loopback server has no SRM-style endpoint). Access statuses are read and set on
 * the server object, which this process shares.
 */
export class HttpStorageElement implements StorageElement {
  readonly name: string;
  readonly #server: StorageServer;
  readonly #dispatcher: Dispatcher | undefined;

  constructor(server: StorageServer, options: HttpStorageElementOptions = {}) {
    this.name = server.name;
    this.#server = server;
    this.#dispatcher = options.dispatcher;
  }

  pfn(lfn: string): string {
    validateLfn(lfn);
    return this.#server.rootUrl + lfn;
  }

  async put(lfn: string, data: Uint8Array, vo: string): Promise<StoredFile> {
    const response = await this.#request('PUT', lfn, vo, data);
    await this.#expect(response, 201, 'PUT', lfn);
    return { pfn: this.pfn(lfn), size: data.length, checksum: this.#checksum(response, lfn) };
  }

  async get(lfn: string, vo: string): Promise<Uint8Array> {
    const response = await this.#request('GET', lfn, vo);
    await this.#expect(response, 200, 'GET', lfn);
    return new Uint8Array(await response.arrayBuffer());
  }

  async remove(lfn: string, vo: string): Promise<void> {
    const response = await this.#request('DELETE', lfn, vo);
    await this.#expect(response, 204, 'DELETE', lfn);
  }

  async stat(lfn: string, vo: string): Promise<StoredFile | undefined> {
    const response = await this.#request('HEAD', lfn, vo);
    if (response.status === 404) return undefined;
    await this.#expect(response, 200, 'HEAD', lfn);
    const size = Number(response.headers.get('content-length'));
    if (!Number.isSafeInteger(size)) {
      throw new StorageError('Unavailable', `SE ${this.name} sent no size for ${lfn}`);
    }
    return { pfn: this.pfn(lfn), size, checksum: this.#checksum(response, lfn) };
  }

  setAccess(type: AccessType, status: AccessStatus): void {
    this.#server.setAccess(type, status);
  }

  access(type: AccessType): AccessStatus {
    return this.#server.access(type);
  }

  async #request(method: string, lfn: string, vo: string, body?: Uint8Array): Promise<Response> {
    // Checked here too, so that an invalid LFN fails the same way without a request, and so
    // that URL parsing can never turn a `..` segment into a different path.
    validateLfn(lfn);
    const url = this.#server.rootUrl + lfn.split('/').map(encodeURIComponent).join('/');
    try {
      return await fetch(url, {
        method,
        headers: { [VO_HEADER]: vo, 'content-type': 'application/octet-stream' },
        body,
        dispatcher: this.#dispatcher,
      });
    } catch (error) {
      throw new StorageError(
        'Unavailable',
        `SE ${this.name} is unreachable at ${this.#server.url}: ${String((error as Error).cause ?? error)}`,
      );
    }
  }

  /** Throws the StorageError an unexpected status means, with the server's detail. */
  async #expect(response: Response, status: number, method: string, lfn: string): Promise<void> {
    if (response.status === status) return;
    // Read to the end, so that the connection can serve the next request.
    await response.arrayBuffer();
    throw new StorageError(
      CODE_OF_STATUS[response.status] ?? 'Unavailable',
      detailOf(response) ?? `${method} ${lfn} on SE ${this.name} answered HTTP ${response.status}`,
    );
  }

  #checksum(response: Response, lfn: string): string {
    const checksum = response.headers.get(CHECKSUM_HEADER);
    if (checksum === null || !/^[0-9a-f]{8}$/.test(checksum)) {
      throw new StorageError('Unavailable', `SE ${this.name} sent no checksum for ${lfn}`);
    }
    return checksum;
  }
}

/** The server's reason, from a header because HEAD responses have no body. */
function detailOf(response: Response): string | undefined {
  const header = response.headers.get(DETAIL_HEADER);
  if (header === null) return undefined;
  try {
    return decodeURIComponent(header);
  } catch {
    // Not our server's encoding: its raw words still say more than the status alone.
    return header;
  }
}
