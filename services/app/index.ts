export { type AppOptions, type AuthOptions, buildApp } from './build-app.ts';
export {
  type Registry,
  type RegistryEntries,
  builtinRegistry,
  extendRegistry,
} from './registry.ts';
