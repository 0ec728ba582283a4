export {
  type PilotDeps,
  type PilotRegistration,
  type RegisteredPilot,
  hashSecret,
  registerPilot,
} from './register.ts';
export {
  type PilotCaller,
  type PilotMetadata,
  searchPilots,
  summarizePilots,
  updatePilotMetadata,
} from './query.ts';
