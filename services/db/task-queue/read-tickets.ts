/**
 * Whether what a read found may be kept in a cache: the read takes a ticket before it
 * starts, and its answer is kept only if no change ran, or was running, meanwhile. Reads and
 * changes interleave at every `await`, so a read that overlapped a change may have seen it
 * in part.
 */
export class ReadTickets {
  #version = 0;
  #changing = 0;

  /** Call before reading. */
  ticket(): number {
    return this.#changing > 0 ? -1 : this.#version;
  }

  /** Whether what was read with this ticket may be kept. */
  isCurrent(ticket: number): boolean {
    return ticket === this.#version && this.#changing === 0;
  }

  /** Something changed that a read under way may or may not have seen. */
  invalidate(): void {
    this.#version++;
  }

  /** Runs a change, with `clear` (of the cache) called before and after it. */
  async change<T>(clear: () => void, work: () => Promise<T>): Promise<T> {
    this.#changing++;
    this.#version++;
    clear();
    try {
      return await work();
    } finally {
      this.#changing--;
      this.#version++;
      clear();
    }
  }
}
