/** The first slab is small, so that the hundred SEs of a large fixture cost little idle. */
const FIRST_SLAB_BYTES = 64 * 1024;
const MAX_SLAB_BYTES = 1024 * 1024;
/** Larger copies get a buffer of their own: they would waste a slab's tail. */
const MAX_SLABBED_BYTES = 16 * 1024;

/**
 * Copies small byte arrays into shared slabs. An ArrayBuffer of its own costs a small file
 * more than its content (about 700 bytes of bookkeeping, measured on Node 24); a view into
 * a slab costs about 300. The simulator stores up to a million files of ~1 KiB, so this is
 * the difference of half a gigabyte.
 *
 * The trade-off: a slab is freed only once no stored file uses it, so space of removed or
 * replaced files is not reused. Simulated SEs mostly gain files, which suits this.
 */
export class ByteSlabs {
  #slab = new Uint8Array(0);
  #used = 0;

  /** A copy of `data` that shares nothing with it. */
  copy(data: Uint8Array): Uint8Array {
    if (data.length > MAX_SLABBED_BYTES) return new Uint8Array(data);
    if (this.#used + data.length > this.#slab.length) {
      const size = Math.min(MAX_SLAB_BYTES, Math.max(FIRST_SLAB_BYTES, this.#slab.length * 2));
      this.#slab = new Uint8Array(size);
      this.#used = 0;
    }
    const view = this.#slab.subarray(this.#used, this.#used + data.length);
    view.set(data);
    this.#used += data.length;
    return view;
  }
}
