import { describe, expect, it } from 'vitest';
import { CommittedNameIds, MAX_NAMES, TransactionNameIds } from './name-ids.ts';

describe('the catalog name ids a transaction sees', () => {
  it('include those it learned, and those of transactions that committed', () => {
    const committed = new CommittedNameIds();
    const first = new TransactionNameIds(committed);
    first.learn('alice', 1);
    expect(first.get('alice')).toBe(1);
    expect(new TransactionNameIds(committed).get('alice')).toBeUndefined();
    first.commit();
    expect(new TransactionNameIds(committed).get('alice')).toBe(1);
  });

  it('forget the ids of a transaction that did not commit: a rollback gives them back', () => {
    const committed = new CommittedNameIds();
    const rolledBack = new TransactionNameIds(committed);
    rolledBack.learn('bob', 7);
    const next = new TransactionNameIds(committed);
    expect(next.get('bob')).toBeUndefined();
    next.learn('carol', 7); // the id the rollback freed, numbered again
    next.commit();
    expect(committed.get('bob')).toBeUndefined();
    expect(committed.get('carol')).toBe(7);
  });

  it('keep at most MAX_NAMES names', () => {
    const committed = new CommittedNameIds();
    const flood = new TransactionNameIds(committed);
    for (let i = 0; i <= MAX_NAMES; i++) flood.learn(`user${i}`, i);
    flood.commit();
    expect(committed.get(`user${MAX_NAMES - 1}`)).toBe(MAX_NAMES - 1);
    expect(committed.get(`user${MAX_NAMES}`)).toBeUndefined();
  });
});
