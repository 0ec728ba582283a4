import type { Scenario } from '../model.ts';
import { dataDriven } from './data-driven.ts';
import { multiVoIsolation } from './multi-vo-isolation.ts';
import { parametricBulk } from './parametric-bulk.ts';
import { serviceRestart } from './service-restart.ts';
import { siteBanAndRecover } from './site-ban-and-recover.ts';
import { slowNetworkScenario } from './slow-network.ts';
import { smoke } from './smoke.ts';
import { stalledAndRescheduled } from './stalled-and-rescheduled.ts';
import { tokenExpiry } from './token-expiry.ts';

/** The scenarios `gridbox scenario list` shows, by name. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map(
  [
    smoke,
    parametricBulk,
    multiVoIsolation,
    stalledAndRescheduled,
    siteBanAndRecover,
    dataDriven,
    tokenExpiry,
    serviceRestart,
    slowNetworkScenario,
  ].map((scenario) => [scenario.name, scenario]),
);
