export {
  type PilotDeps,
  type PilotRegistration,
  type RegisteredPilot,
  hashSecret,
  registerPilot,
} from './register.ts';
