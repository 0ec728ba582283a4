import type { Scenario } from '../model.ts';
import {
  advance,
  expectInvariants,
  expectJobs,
  expectRefreshed,
  expectSessionEnded,
  login,
  revokeRefreshToken,
  startGrid,
  submit,
} from '../steps/index.ts';
import { windDown } from './wind-down.ts';

export const tokenExpiry: Scenario = {
  name: 'token-expiry',
  description:
    'Access tokens live 20 minutes, as in DiracX. Users and pilots refresh them through the run without a refused call; one user’s refresh token is revoked, and that user stops cleanly while the jobs already submitted still finish.',
  accessTokenMinutes: 20,
  steps: [
    login('alice'),
    login('carol', { index: 1 }),
    submit('alice', 20),
    submit('carol', 20),
    startGrid(),
    advance(3600),
    submit('alice', 10),
    revokeRefreshToken('carol'),
    advance(1800),
    expectSessionEnded('carol'),
    ...windDown(),
    expectRefreshed('alice'),
    expectJobs({ Done: 50 }),
    expectInvariants(),
  ],
};
