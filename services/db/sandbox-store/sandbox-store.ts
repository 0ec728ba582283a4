import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Database } from '../database.ts';

/**
 * Where sandbox tarballs live, by key (`<vo>/<group>/<user>/sha256:<hex>.<format>`): the
 * part of DiracX's S3 bucket gridbox needs. Content-addressed: a key is written once.
 */
export interface SandboxStore extends Database {
  exists(key: string): Promise<boolean>;
  /**
   * Stores the bytes `data` yields under `key`, streamed as they come. If `data` throws, the
   * error is passed on and nothing is stored: a reader never sees part of a tarball.
   */
  put(key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void>;
  /** The tarball, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Keys are built from checked names; this refuses anything else before it touches a path. */
function checkKey(key: string): void {
  if (
    !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/sha256:[0-9a-f]{64}\.tar\.(bz2|zst)$/.test(
      key,
    ) ||
    key.includes('..')
  ) {
    throw new Error(`not a sandbox key: ${key}`);
  }
}

export class MemorySandboxStore implements SandboxStore {
  readonly name = 'SandboxStore';
  readonly #objects = new Map<string, Uint8Array>();

  ping(): Promise<void> {
    return Promise.resolve();
  }

  exists(key: string): Promise<boolean> {
    checkKey(key);
    return Promise.resolve(this.#objects.has(key));
  }

  async put(key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    checkKey(key);
    if (data instanceof Uint8Array) {
      this.#objects.set(key, data);
      return;
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of data) chunks.push(chunk);
    this.#objects.set(key, Buffer.concat(chunks));
  }

  get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    return Promise.resolve(this.#objects.get(key));
  }
}

/** Tarballs as files under a folder, kept across restarts. */
export class FileSandboxStore implements SandboxStore {
  readonly name = 'SandboxStore';
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  #path(key: string): string {
    checkKey(key);
    const path = resolve(join(this.#root, key));
    if (!path.startsWith(this.#root + sep)) throw new Error(`not a sandbox key: ${key}`);
    return path;
  }

  async ping(): Promise<void> {
    await mkdir(this.#root, { recursive: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      await stat(this.#path(key));
      return true;
    } catch {
      return false;
    }
  }

  async put(key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const path = this.#path(key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside then renamed, so a reader never sees half a tarball; aside under a name
    // of its own, so two uploads of one tarball at once do not write into one file.
    const aside = `${path}.${randomUUID()}.part`;
    try {
      await pipeline(
        data instanceof Uint8Array ? Readable.from([data]) : Readable.from(data),
        createWriteStream(aside, { flags: 'wx' }),
      );
      await rename(aside, path);
    } finally {
      await rm(aside, { force: true });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
