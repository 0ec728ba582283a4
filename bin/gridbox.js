#!/usr/bin/env node
// The gridbox command. Its code is TypeScript run by Node 24's type stripping; Node 24
// comes with the package (the `node` dependency), so an older Node on PATH hands over to it.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);

if (major < REQUIRED_MAJOR) {
  let bundled;
  try {
    bundled = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(
      `gridbox: needs Node ${REQUIRED_MAJOR} or newer (this is ${process.version}); run npm ci first.\n`,
    );
    process.exit(2);
  }
  const child = spawn(bundled, [import.meta.filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // The child shares our process group, so a terminal's Ctrl-C reaches it directly;
  // forward what is sent to us alone (kill <pid>) as well.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1);
  });
} else {
  // Reuses compiled code across runs (in the system's temp folder): boots a few hundred ms faster.
  const { enableCompileCache } = await import('node:module');
  enableCompileCache?.();
  const { main } = await import('../cli/main.ts');
  const { processIo } = await import('../cli/io.ts');
  process.exitCode = await main(process.argv.slice(2), processIo());
}
