import { describe, it } from 'vitest';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { authDbConformance } from './auth-db-conformance.ts';
import { authDb } from './index.ts';

// The checks are the conformance kit's, which validate-extension also runs against an
// extension's AuthDB: here on every backend, with gridbox's own.
describe.each(sqlBackends)('AuthDB on %s', (_backend, url) => {
  it.each(authDbConformance.checks)('$name', (check) =>
    check.run(async () => authDbConformance.open(await url(), () => authDb)),
  );
});
