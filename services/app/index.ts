export { type AppOptions, type AuthOptions, buildApp } from './build-app.ts';
export {
  type DirectAnswer,
  type DirectCall,
  type DirectCalls,
  directCalls,
} from './direct-calls.ts';
export { checkOperationsSections } from './registry-check.ts';
export {
  type OperationsSection,
  type Registry,
  type RegistryEntries,
  builtinRegistry,
  extendRegistry,
} from './registry.ts';
