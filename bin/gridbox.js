#!/usr/bin/env node
// The gridbox command. In a checkout it runs the TypeScript sources by Node 24's type
// stripping; the published package has no sources, only their JavaScript bundled into dist/
// (`npm run build`, which `npm pack` runs first). Node 24 comes with the package (the `node` dependency), so
// an older Node on PATH hands over to it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { URL } from 'node:url';
import { createRequire } from 'node:module';
import { clearInterval, setInterval } from 'node:timers';

const REQUIRED_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);

// npm and npx run a bin through `sh -c`, and on SIGTERM they signal only that shell, which
// dies without passing it on: the box would be left running, an orphan on its port, holding
// the pipe of whoever reads its output. So under npm (and in the child this file re-executes)
// the loss of the parent counts as a SIGTERM. Not for a bare `gridbox up &`: a CI step's shell
// exits at the end of the step, and the box must outlive it.
// Not GRIDBOX_*: those are settings, and an unknown one is refused.
const STOP_WITH_PARENT = 'gridbox_stop_with_parent';
const PARENT_POLL_MS = 200;
const stopWithParent =
  process.env.npm_lifecycle_event !== undefined || process.env[STOP_WITH_PARENT] === '1';

/** Calls `onGone` once when this process is re-parented (its parent has exited). */
function watchParent(onGone) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_POLL_MS);
  timer.unref();
}

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
    env: { ...process.env, [STOP_WITH_PARENT]: '1' },
  });
  // The child shares our process group, so a terminal's Ctrl-C reaches it directly;
  // forward what is sent to us alone (kill <pid>) as well. If we are killed outright
  // (SIGKILL), the child sees its parent go and stops by itself.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  if (stopWithParent) watchParent(() => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1);
  });
} else {
  if (stopWithParent) watchParent(() => process.kill(process.pid, 'SIGTERM'));
  // Reuses compiled code across runs (in the system's temp folder): boots a few hundred ms faster.
  const { enableCompileCache } = await import('node:module');
  enableCompileCache?.();
  // The sources when they are there (a checkout: an edit takes effect at once), else the
  // package's bundled JavaScript (dist/).
  const checkout = existsSync(new URL('../cli/main.ts', import.meta.url));
  const [{ main }, { processIo }] = await Promise.all(
    checkout
      ? [import('../cli/main.ts'), import('../cli/io.ts')]
      : [import('../dist/main.js'), import('../dist/io.js')],
  );
  process.exitCode = await main(process.argv.slice(2), processIo());
}
