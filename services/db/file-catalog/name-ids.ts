/**
 * The most names of one kind remembered: the users, groups and storage elements of a grid
 * are a few thousand at most, and a flood of new names must not grow memory without end.
 */
export const MAX_NAMES = 10_000;

/**
 * Ids of the catalog's names (users, groups, storage elements) that a committed
 * transaction read or numbered. Nothing renames or deletes these rows, so an id once
 * committed holds for as long as the database does: a registration need not insert-or-ignore
 * its owner, group and SE and read their ids back again.
 */
export class CommittedNameIds {
  readonly #ids = new Map<string, number>();

  get(name: string): number | undefined {
    return this.#ids.get(name);
  }

  /** Keeps what a transaction learned, once it committed. */
  keep(learned: ReadonlyMap<string, number>): void {
    for (const [name, id] of learned) {
      if (this.#ids.size >= MAX_NAMES) return;
      this.#ids.set(name, id);
    }
  }
}

/** Name ids as one transaction sees them: the committed ones and those it learned. */
export interface NameIds {
  get(name: string): number | undefined;
  learn(name: string, id: number): void;
}

/**
 * A transaction's name ids. What it learns is kept in `committed` only by `commit()`: an id
 * it numbered is gone if the transaction rolls back, and another name may get it later.
 */
export class TransactionNameIds implements NameIds {
  readonly #committed: CommittedNameIds;
  readonly #learned = new Map<string, number>();

  constructor(committed: CommittedNameIds) {
    this.#committed = committed;
  }

  get(name: string): number | undefined {
    return this.#learned.get(name) ?? this.#committed.get(name);
  }

  learn(name: string, id: number): void {
    this.#learned.set(name, id);
  }

  commit(): void {
    this.#committed.keep(this.#learned);
  }
}
