export {
  type SimOptions,
  type SimSummary,
  SimulationError,
  runSimulation,
} from './run-simulation.ts';
export { RealTimeClock, type SimClock, VirtualClock } from './engine/index.ts';
export { DIRAC_TIMING, type Timing } from './timing.ts';
export { type Credentials, DEFAULT_FAULTS, type Faults } from './world.ts';
export type { JobOwner } from './workload.ts';
export { type StorageFleet, openStorageElements } from './storage/index.ts';
