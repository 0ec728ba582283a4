import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/gridbox.js', import.meta.url));
const READY_DEADLINE_MS = 20_000;
const caDir = mkdtempSync(join(tmpdir(), 'gridbox-bin-'));
afterAll(() => rmSync(caDir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `gridbox up` as a real process and resolves with its ready line. */
function startBox(node: string, args: string[]): Running {
  const child = spawn(node, [BIN, 'up', '--json', '--port', '0', ...args], {
    env: { ...process.env, GRIDBOX_LOG_LEVEL: 'info', GRIDBOX_CA_DIR: caDir },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${READY_DEADLINE_MS} ms; stderr: ${stderr}`)),
      READY_DEADLINE_MS,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const end = stdout.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(stdout.slice(0, end)) as Record<string, unknown>);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready; stderr: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, ready, exited };
}

describe('the gridbox executable', () => {
  it('serves the box from its ready line until SIGTERM, then exits 0', async () => {
    const box = startBox(process.execPath, []);
    const { url, users } = (await box.ready) as { url: string; users: { username: string }[] };

    expect((await fetch(`${url}/api/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/api/config/`)).status).toBe(401);

    // A token the way a CI job gets one: the gridbox executable drives the device flow.
    const login = spawnSync(
      process.execPath,
      [BIN, 'token', '--user', users[0]!.username, '--url', url],
      {
        env: { ...process.env, DIRACX_CREDENTIALS_PATH: join(caDir, 'credentials.json') },
      },
    );
    expect(login.status, login.stderr.toString()).toBe(0);
    const authorization = `Bearer ${login.stdout.toString().trim()}`;

    const config = await fetch(`${url}/api/config/`, { headers: { authorization } });
    expect(config.status).toBe(200);
    const etag = config.headers.get('etag')!;
    const again = await fetch(`${url}/api/config/`, {
      headers: { authorization, 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    const openapi = (await (await fetch(`${url}/api/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(openapi.paths)).toContain('/api/config/');

    box.child.kill('SIGTERM');
    const { code, stdout, stderr } = await box.exited;
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('"msg":"stopping"');
  });

  // The machine's own Node is older than the project's; the executable must hand over.
  const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => {
    const result = spawnSync(candidate, ['-p', 'process.versions.node.split(".")[0]']);
    return result.status === 0 && Number(result.stdout.toString()) < 24;
  });
  it.skipIf(systemNode === undefined)(
    'runs under an older system Node by handing over to its own Node 24',
    async () => {
      const box = startBox(systemNode!, ['--log-level', 'warn']);
      const { url } = (await box.ready) as { url: string };
      expect((await fetch(`${url}/api/health/ready`)).status).toBe(200);
      box.child.kill('SIGTERM');
      expect((await box.exited).code).toBe(0);
    },
  );
});
