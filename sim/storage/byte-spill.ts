import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteSlabs } from './byte-slabs.ts';

/**
 * Where `ByteSpill.append` put a copy: read it back with `ByteSpill.read`. `held` is the
 * copy itself when there was no temporary file to spill to.
 */
export interface SpillRef {
  readonly offset: number;
  readonly length: number;
  readonly held?: Uint8Array;
}

/**
 * Keeps byte arrays in a private temporary file instead of the heap: a simulated SE holds a
 * file per job (a million of them in a large run), and their bytes are read back seldom, if
 * ever. Appended once, read by position; the operating system's page cache holds what is
 * read often, and it is not the process's memory. The file is unlinked as soon as it is
 * open, so nothing outlives the process, and closed by `close()`.
 *
 * Without a writable temporary directory the copies stay in memory, in slabs.
 * The trade-off, as with slabs: space of removed or replaced files is not reused.
 */
export class ByteSpill {
  #fd: number | undefined;
  /** Set where an open file cannot be unlinked (Windows): removed on close. */
  #removeOnClose: string | undefined;
  /** Where the file is, for the message when its file system fills up. */
  #directory = '';
  /** Where copies go when no temporary file could be created. */
  #memory: ByteSlabs | undefined;
  #size = 0;
  #closed = false;

  /** Bytes written so far (removed files included). */
  get size(): number {
    return this.#size;
  }

  /** Writes a copy of `data` (nothing is kept of it) and says where it went. */
  append(data: Uint8Array): SpillRef {
    const fd = this.#open();
    const offset = this.#size;
    if (fd === undefined) {
      this.#size += data.length;
      return { offset, length: data.length, held: this.#memory!.copy(data) };
    }
    let written = 0;
    try {
      while (written < data.length)
        written += writeSync(fd, data, written, data.length - written, offset + written);
    } catch (error) {
      // The directory is the temporary one, which the user may never have chosen.
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC')
        throw new Error(
          `The simulated storage elements' file is in ${this.#directory}, whose file system is full: set TMPDIR to a directory with more room.`,
          { cause: error },
        );
      throw error;
    }
    this.#size += data.length;
    return { offset, length: data.length };
  }

  /** A fresh copy of the bytes `ref` points at. */
  read(ref: SpillRef): Uint8Array {
    if (this.#closed) throw new Error('the spill file is closed');
    if (ref.held !== undefined) return new Uint8Array(ref.held);
    const out = new Uint8Array(ref.length);
    if (ref.length === 0) return out;
    const fd = this.#open()!;
    let done = 0;
    while (done < ref.length) {
      const n = readSync(fd, out, done, ref.length - done, ref.offset + done);
      if (n === 0) throw new Error(`the spill file ends before byte ${ref.offset + ref.length}`);
      done += n;
    }
    return out;
  }

  /** Closes (and so frees) the file; the bytes are gone. Safe to call twice. */
  close(): void {
    this.#closed = true;
    this.#memory = undefined;
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    if (this.#removeOnClose !== undefined) rmSync(this.#removeOnClose, { force: true });
  }

  /** The file, opened on first use; undefined when copies stay in memory. */
  #open(): number | undefined {
    if (this.#closed) throw new Error('the spill file is closed');
    if (this.#fd !== undefined || this.#memory !== undefined) return this.#fd;
    this.#directory = tmpdir();
    const path = join(this.#directory, `gridbox-se-${randomUUID()}.bin`);
    let fd: number;
    try {
      // 'wx+': created here, by nobody else; 0o600: readable by this user only.
      fd = openSync(path, 'wx+', 0o600);
    } catch {
      this.#memory = new ByteSlabs();
      return undefined;
    }
    try {
      rmSync(path);
    } catch {
      this.#removeOnClose = path;
    }
    this.#fd = fd;
    return fd;
  }
}
