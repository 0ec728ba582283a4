import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pilotIdentity } from '../../fixtures/index.ts';
import { ManualClock } from '../core/index.ts';
import { AUTHORIZATION_MATRIX, CALLERS, type Caller } from './authorization-matrix.ts';
import {
  type PreparedMatrix,
  documentedOperations,
  prepareMatrix,
  probe,
  rowFindings,
} from './authorization-matrix-run.ts';
import { testBox } from './test-box.testkit.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const clock = new ManualClock(NOW);
const box = await testBox({ clock });
afterAll(() => box.close());
const { app, config } = box;
const [vo, otherVo] = box.vos as [string, string];

let prepared: PreparedMatrix;

/** One app, seeded through the API as the callers would (see prepareMatrix). */
beforeAll(async () => {
  const identity = (ofVo: string, user: { username: string }, group = `${ofVo}_user`) => ({
    vo: ofVo,
    username: user.username,
    group,
  });
  const admin = (ofVo: string) =>
    identity(
      ofVo,
      box.fixtures.users.find((u) => u.vo === ofVo && u.groups.includes(`${ofVo}_admin`))!,
      `${ofVo}_admin`,
    );
  prepared = await prepareMatrix(app, config, {
    owner: identity(vo, box.plainUser(vo, 0)),
    sameVoUser: identity(vo, box.plainUser(vo, 1)),
    otherVoUser: identity(otherVo, box.plainUser(otherVo, 0)),
    sameVoAdmin: admin(vo),
    otherVoAdmin: admin(otherVo),
    genericPilot: { vo, username: pilotIdentity(vo).username, group: `${vo}_pilot` },
  });
});

describe('the authorization matrix', () => {
  it('has a row for every operation in the OpenAPI document, and none for others', async () => {
    const documented = [...(await documentedOperations(app)).keys()].sort();
    expect(Object.keys(AUTHORIZATION_MATRIX).sort()).toEqual(documented);
  });

  it.each(Object.entries(AUTHORIZATION_MATRIX))('%s', async (operation, row) => {
    const request = row.request(prepared.seed);
    const statuses = new Map<Caller, number>();
    for (const caller of CALLERS)
      statuses.set(caller, await probe(app, operation, request, prepared.headers.get(caller)!));
    expect(rowFindings(row, statuses)).toEqual([]);
  });
});
