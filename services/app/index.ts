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
export {
  AUTHORIZATION_MATRIX,
  CALLER_LABELS,
  type Caller,
  type MatrixRow,
} from './authorization-matrix.ts';
export { type MatrixIdentities } from './authorization-matrix-run.ts';
export {
  type AuthorizationComparison,
  type DecisionDifference,
  compareAuthorization,
} from './authorization-matrix-diff.ts';
