export {
  type SimObserver,
  type SimOptions,
  type SimSummary,
  SimulationError,
  type WorldOptions,
  createWorld,
  runSimulation,
  startGrid,
} from './run-simulation.ts';
export {
  FastRealTimeClock,
  RealTimeClock,
  type SimClock,
  VirtualClock,
  spawn,
} from './engine/index.ts';
export { DIRAC_OPTIONS, DIRAC_TIMING, type Timing, clockMs, timingFromOptions } from './timing.ts';
export {
  DEFAULT_SAMPLE_EVERY_S,
  type ProcessMemory,
  SimSampler,
  type SimSamplerOptions,
} from './metrics/index.ts';
export {
  type Credentials,
  DEFAULT_FAULTS,
  type Faults,
  type GridControls,
  JobTracker,
  type LivePilot,
  type SimWorld,
  isoAt,
  record,
} from './world.ts';
export { type JobOwner, placeReplica, submitWorkload } from './workload.ts';
export { outputLfn } from './pilot/job-description.ts';
export { MemoryFileCatalog } from './catalog/memory-file-catalog.ts';
export {
  type StorageElement,
  StorageError,
  type StorageFleet,
  openStorageElements,
} from './storage/index.ts';
