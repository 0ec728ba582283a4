import { authDbConformance } from './auth/auth-db-conformance.ts';
import type { ConformanceSuite } from './conformance.ts';
import {
  jobDbConformance,
  jobLoggingDbConformance,
  taskQueueDbConformance,
} from './job/job-db-conformance.ts';
import { pilotAgentsDbConformance } from './pilot-agents/pilot-agents-db-conformance.ts';

/**
 * Every DB conformance kit, by the DB it checks: `gridbox validate-extension` runs the kit of
 * each DB an extension registers under a built-in name. A DB without a kit here is checked
 * only by its methods' presence (at start-up) and by the scenarios.
 */
export const DB_CONFORMANCE_SUITES: ReadonlyMap<string, ConformanceSuite> = new Map(
  [
    authDbConformance,
    jobDbConformance,
    jobLoggingDbConformance,
    pilotAgentsDbConformance,
    taskQueueDbConformance,
  ].map((suite) => [suite.db, suite as ConformanceSuite]),
);
