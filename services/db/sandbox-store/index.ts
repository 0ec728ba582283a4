export { FileSandboxStore, MemorySandboxStore, type SandboxStore } from './sandbox-store.ts';
