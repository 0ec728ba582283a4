export { type Identity, ScenarioContext, StepSkippedError, type UserSpec } from './context.ts';
export { SCENARIOS } from './library/index.ts';
export type { Capability, Scenario, ScenarioTarget, Step } from './model.ts';
export { type RunOptions, type StepProgress, runScenario } from './runner.ts';
export { Session, SessionEndedError, legacyLogin } from './session.ts';
export * as steps from './steps/index.ts';
