import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';

const box = await testBox({ clock: new ManualClock(Date.UTC(2026, 5, 1, 12)) });
afterAll(() => box.close());
const user = await box.token({ user: 'someone', lifetimeMinutes: 60 });

describe('POST /api/pilots/search', () => {
  it('searches without a body, as DiracX (the body is optional)', async () => {
    const response = await box.inject('POST', '/api/pilots/search', user);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });
});
