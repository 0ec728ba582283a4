import { type Hash, createHash } from 'node:crypto';

export type EventFields = Record<string, string | number | boolean | null>;

/** Receives each event line as it is written (a JSONL file, a test's array). */
export type EventSink = (line: string) => void;

/**
 * The run's append-only record: every pilot start, match, status change, transfer and
 * fault, one JSON line each, in the order they happened. It keeps the hash and the counts,
 * not the lines (a million-job run writes tens of millions), and hands lines to a sink.
 */
export class EventLog {
  readonly #hash: Hash = createHash('sha256');
  readonly #counts = new Map<string, number>();
  readonly #sink: EventSink | undefined;
  readonly #startMs: number;
  #total = 0;
  #digest: string | undefined;

  constructor(startMs: number, sink?: EventSink) {
    this.#startMs = startMs;
    this.#sink = sink;
  }

  /** Appends an event at `nowMs`; the time is kept relative to the start of the run. */
  record(nowMs: number, kind: string, fields: EventFields = {}): void {
    if (this.#digest !== undefined) throw new Error('the event log is closed');
    const line = JSON.stringify({ t: nowMs - this.#startMs, kind, ...fields });
    this.#hash.update(line);
    this.#hash.update('\n');
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
    this.#total++;
    this.#sink?.(line);
  }

  get total(): number {
    return this.#total;
  }

  /** Events by kind, sorted by kind. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** The SHA-256 of every line so far; the log takes no more events after this. */
  hash(): string {
    this.#digest ??= this.#hash.digest('hex');
    return this.#digest;
  }
}
