// The JavaScript the published package runs (`npm run build`, which `npm pack` runs first):
// the command's modules bundled into dist/, one chunk per command so that each still loads
// only when it runs. Bundling spares Node resolving and loading some 1,500 module files at
// every start (typebox alone has 680): a box starts in under half the CPU time.
import packageJson from './package.json' with { type: 'json' };

/** Dependencies bundled with the code (ESM packages of many files); the others stay external. */
const BUNDLED = new Set(['typebox', 'kysely', 'oidc-provider', 'jose', '@faker-js/faker']);
const EXTERNAL = Object.keys(packageJson.dependencies).filter((name) => !BUNDLED.has(name));

export default {
  input: { main: 'cli/main.ts', io: 'cli/io.ts' },
  platform: 'node',
  external: (id) =>
    id.startsWith('node:') || EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
  output: {
    dir: 'dist',
    format: 'esm',
    // All in one folder: reports' page script is read beside its chunk (import.meta.url).
    chunkFileNames: '[name]-[hash].js',
  },
};
