import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from './rng.ts';

const draw = (seed: number | string, n = 20) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('Rng', () => {
  it('replays the same sequence for the same seed', () => {
    expect(draw(42)).toEqual(draw(42));
  });

  it('gives a different sequence for a different seed', () => {
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('forks generators that do not depend on how much the parent drew', () => {
    const a = createRng(1);
    const b = createRng(1);
    b.next();
    b.next();
    expect(a.fork('sites').next()).toBe(b.fork('sites').next());
    expect(a.fork('sites').next()).not.toBe(a.fork('users').next());
  });

  it('keeps next() in [0, 1) and int() within its bounds', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.nat(1000),
        (seed, min, span) => {
          const rng = createRng(seed);
          for (let i = 0; i < 50; i++) {
            const x = rng.next();
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThan(1);
            const k = rng.int(min, min + span);
            expect(Number.isInteger(k) && k >= min && k <= min + span).toBe(true);
          }
        },
      ),
    );
  });

  it('refuses an empty or fractional range', () => {
    expect(() => createRng(1).int(5, 4)).toThrow(RangeError);
    expect(() => createRng(1).int(0.5, 4)).toThrow(RangeError);
  });
});
