import { describe, it } from 'vitest';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { pilotAgentsDb } from './index.ts';
import { pilotAgentsDbConformance } from './pilot-agents-db-conformance.ts';

// The checks are the conformance kit's, which validate-extension also runs against an
// extension's PilotAgentsDB: here on every backend, with gridbox's own.
describe.each(sqlBackends)('PilotAgentsDB on %s', (_backend, url) => {
  it.each(pilotAgentsDbConformance.checks)('$name', (check) =>
    check.run(async () => pilotAgentsDbConformance.open(await url(), () => pilotAgentsDb)),
  );
});
