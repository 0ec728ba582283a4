import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/free-port.testkit.ts';

// Test support: a MariaDB server of the test's own, to pause, kill and restart.

/** Whether this machine can run one (CI installs MariaDB; elsewhere the tests skip). */
export const canRunMariadb = ((): boolean => {
  try {
    execFileSync('mariadbd', ['--version'], { stdio: 'ignore' });
    execFileSync('mariadb-install-db', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export interface StartedMariadb extends AsyncDisposable {
  /** `mysql://root@127.0.0.1:<port>/`, any user accepted (grant tables are skipped). */
  readonly url: string;
  readonly port: number;
  /** SIGSTOP: the server keeps its connections and answers nothing. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown), resolved once the process is gone. */
  shutdown(): Promise<void>;
  /** Starts it again on the same port and data, resolved once it accepts connections. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/** A fresh server in a temporary directory, on a free port of 127.0.0.1. */
export async function startMariadb(): Promise<StartedMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbox-mariadbd-'));
  const user = userInfo().username;
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${join(dir, 'data')}`, `--user=${user}`],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const started = spawn(
        'mariadbd',
        [
          '--no-defaults',
          `--datadir=${join(dir, 'data')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${join(dir, 's.sock')}`,
          `--user=${user}`,
          '--skip-grant-tables',
          '--skip-name-resolve',
          '--innodb-buffer-pool-size=16M',
          '--skip-log-bin',
          // No fsync per commit: a test server on a busy machine answers well within timeouts.
          '--innodb-flush-log-at-trx-commit=2',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child = started;
      let log = '';
      const timer = setTimeout(() => {
        started.kill('SIGKILL');
        reject(new Error(`mariadbd was not ready within ${READY_TIMEOUT_MS} ms:\n${log}`));
      }, READY_TIMEOUT_MS);
      started.stderr!.setEncoding('utf8');
      started.stderr!.on('data', (chunk: string) => {
        log += chunk;
        if (log.includes('ready for connections')) {
          clearTimeout(timer);
          started.stderr!.resume();
          resolve();
        }
      });
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mariadbd exited with ${code}:\n${log}`));
      });
    });
  const stop = async (signal: NodeJS.Signals) => {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGCONT');
    running.kill(signal);
    await exited;
  };
  const close = async () => {
    await stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await start();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: `mysql://root@127.0.0.1:${port}/`,
    port,
    pause: () => child!.kill('SIGSTOP'),
    resume: () => child!.kill('SIGCONT'),
    kill: () => stop('SIGKILL'),
    shutdown: () => stop('SIGTERM'),
    restart: start,
    close,
    [Symbol.asyncDispose]: close,
  };
}
