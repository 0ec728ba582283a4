import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from './io.ts';
import { main } from './main.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-demo-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A smoke run takes about 15 s on an idle machine; this only bounds a hang. */
const RUN_TIMEOUT_MS = 240_000;

/** An Io that records output, tells when stdout shows `marker`, and stops when asked. */
function testIo(marker: string, env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  let stop: (signal: string) => void = () => undefined;
  let sawMarker: () => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const marked = new Promise<void>((resolve) => (sawMarker = resolve));
  const io: Io = {
    stdout: {
      write: (text: string) => {
        out += text;
        if (out.includes(marker)) sawMarker();
      },
    },
    stderr: { write: (text: string) => (err += text), isTTY: false },
    stdoutIsTTY: false,
    // Port 0: the API and the IdP each get a free port, so parallel tests never collide.
    env: { GRIDBOX_CA_DIR: join(scratch, 'ca'), GRIDBOX_PORT: '0', ...env },
    waitForStop: () => stopped,
  };
  return { io, stdout: () => out, stderr: () => err, marked, stop };
}

/** The URL printed after `label` in the serving text. */
function printed(text: string, label: string): string {
  const match = new RegExp(`^ {2}${label} +(https?://\\S+)`, 'm').exec(text);
  if (match === null) throw new Error(`no "${label}" line in:\n${text}`);
  return match[1]!;
}

describe('gridbox demo (npm start)', () => {
  it(
    'with --once runs smoke against the box, writes the report and exits 0',
    async () => {
      const dir = join(scratch, 'once');
      const t = testIo('never');
      expect(await main(['demo', '--once', '--report', dir], t.io), t.stderr()).toBe(0);

      expect(t.stdout()).toMatch(/^smoke: PASSED — (\d+)\/\1 checks held$/m);
      expect(t.stdout()).toContain(`html report: ${join(dir, 'index.html')}`);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
        status: string;
        inputs: { target: string | null };
        steps: { title: string; status: string }[];
      };
      expect(report.status).toBe('passed');
      // Every step ran: the box offers all that smoke needs (no step skipped for a capability).
      expect(report.steps.filter((s) => s.status !== 'passed')).toEqual([]);
      expect(report.inputs.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(existsSync(join(dir, 'index.html'))).toBe(true);
      // Progress goes to stderr, one plain line per step off a terminal.
      expect(t.stderr()).toMatch(/gridbox scenario smoke: \[1\/\d+\] ok — log in as alice/);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'then serves the URLs it printed, logs in the user it names, and stops with 0 when asked',
    async () => {
      const dir = join(scratch, 'serving');
      const t = testIo('Ctrl-C stops it');
      const exit = main(['demo', '--report', dir], t.io);
      await Promise.race([
        t.marked,
        exit.then((code) => {
          throw new Error(`gridbox demo exited with ${code} before serving:\n${t.stderr()}`);
        }),
      ]);
      const text = t.stdout();
      expect(text).toContain(`Open the report: ${join(dir, 'index.html')}`);

      const api = printed(text, 'API');
      for (const url of [
        `${api}/api/health/ready`,
        printed(text, 'API docs'),
        printed(text, 'OpenAPI'),
        printed(text, 'OpenID config'),
        `${printed(text, 'OpenID issuer')}/.well-known/openid-configuration`,
      ])
        expect((await fetch(url)).status, url).toBe(200);

      // 2. The log-in line names a real user and a command that works as printed.
      const command = /npx gridbox (token --user \S+ --url \S+)/.exec(text)?.[1];
      expect(command).toBeDefined();
      const login = testIo('\n', {
        DIRACX_CREDENTIALS_PATH: join(scratch, 'credentials.json'),
      });
      expect(await main(command!.split(' '), login.io), login.stderr()).toBe(0);
      expect(login.stdout()).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/);

      // 3. The stop signal stops the box and exits 0.
      t.stop('SIGTERM');
      expect(await exit).toBe(0);
      await expect(fetch(`${api}/api/health/live`)).rejects.toThrow();
    },
    RUN_TIMEOUT_MS,
  );
});
