import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

// Stopping what a user started stops the box, however it was started: through npx (which runs
// the bin under `sh -c` and signals only that shell), or through the bin's hand-over from an
// older Node to its own Node 24 when the outer process is killed outright.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/gridbox.js');
const DEADLINE_MS = 30_000;
const POLL_MS = 100;
const scratch = mkdtempSync(join(tmpdir(), 'gridbox-stop-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  // A box this file left behind would hold a port; end it by its own pid.
  for (const pid of pidsWith(scratch)) process.kill(pid, 'SIGKILL');
});

/** Pids of the processes whose command line contains `marker` (Linux /proc). */
function pidsWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false; // the process exited while we looked
      }
    })
    .map(Number);
}

/** Polls `condition` until it holds, or fails saying what never happened. */
async function eventually(what: string, condition: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function isPortFree(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/**
 * Starts `command args… up --json` with a marker of its own in the arguments (its CA folder)
 * and resolves with the ready line, and with the end of its stdout (every writer gone).
 */
function startBox(command: string, args: string[]) {
  const caDir = mkdtempSync(join(scratch, 'ca-'));
  const child = spawn(
    command,
    [...args, 'up', '--json', '--port', '0', '--idp-port', '0', '--ca-dir', caDir],
    { cwd: ROOT, env: { ...process.env, GRIDBOX_LOG_LEVEL: 'info' } },
  );
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stdoutClosed = new Promise<void>((resolve) => child.stdout!.on('close', resolve));
  const ready = new Promise<{ url: string; idp_url: string }>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(stdout.slice(0, end)) as { url: string; idp_url: string });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
  });
  return { child, caDir, ready, stdoutClosed, stderr: () => stderr };
}

/** Resolves when `promise` does, or fails after the deadline saying what never happened. */
function within<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => {
  const result = spawnSync(candidate, ['-p', 'process.versions.node.split(".")[0]']);
  return result.status === 0 && Number(result.stdout.toString()) < 24;
});

describe.skipIf(!existsSync('/proc/self/cmdline'))('stopping what was started', () => {
  it('stops the box when the npx that started it gets SIGTERM: port free, output ends, no process left', async () => {
    const box = startBox('npx', ['gridbox']);
    const { url, idp_url } = await within('no ready line', box.ready);

    box.child.kill('SIGTERM');

    // A step piping the output sees its end: no orphan holds the pipe.
    await within('the output never ended', box.stdoutClosed);
    await eventually('the box process never went', () => pidsWith(box.caDir).length === 0);
    expect(await isPortFree(url)).toBe(true);
    expect(await isPortFree(idp_url)).toBe(true);
    expect(box.stderr()).toContain('"msg":"stopping"');
  });

  it.skipIf(systemNode === undefined)(
    "stops Node 24's box when the older Node that handed over to it is killed outright",
    async () => {
      const box = startBox(systemNode!, [BIN]);
      const { url } = await within('no ready line', box.ready);

      box.child.kill('SIGKILL');

      await within('the output never ended', box.stdoutClosed);
      await eventually('the box process never went', () => pidsWith(box.caDir).length === 0);
      expect(await isPortFree(url)).toBe(true);
    },
  );
});
