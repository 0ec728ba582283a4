import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLogin } from '../client/index.ts';
import { recordingIo as recordIo } from './io.testkit.ts';
import { main } from './main.ts';

// `gridbox token` against a box started with flags the token command does not repeat: the
// users and passwords come from the box's own ready line.

const BIN = fileURLToPath(new URL('../bin/gridbox.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gridbox-token-box-'));
const boxFile = join(scratch, 'box.json');
let ready: { url: string; users: { username: string; password: string; vo: string }[] };
let stopBox: (signal: string) => void;
let boxExit: Promise<number>;

/** The CLI's Io, with the box's CA in the test's scratch folder. */
const recordingIo = (env: Record<string, string> = {}) =>
  recordIo({ GRIDBOX_CA_DIR: join(scratch, 'ca'), ...env });

beforeAll(async () => {
  const box = recordingIo({ GRIDBOX_LOG_LEVEL: 'silent' });
  boxExit = main(['up', '--json', '--port', '0', '--seed', '4242'], box.io);
  const line = await box.firstLine;
  writeFileSync(boxFile, `${line}\n`);
  ready = JSON.parse(line) as typeof ready;
  stopBox = box.stop;
});
afterAll(async () => {
  stopBox('SIGTERM');
  await boxExit;
  rmSync(scratch, { recursive: true, force: true });
});

const userinfo = (url: string, token: string) =>
  fetch(`${url}/api/auth/userinfo`, { headers: { authorization: `Bearer ${token}` } });

describe('gridbox token --box (users from the running box)', () => {
  it('logs in a user of a box started with another seed, given its ready line', async () => {
    const user = ready.users[0]!;
    const credentials = join(scratch, 'box-credentials.json');
    const t = recordingIo({ DIRACX_CREDENTIALS_PATH: credentials });
    expect(await main(['token', '--box', boxFile, '--user', user.username], t.io)).toBe(0);
    const response = await userinfo(ready.url, t.out().trim());
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ preferred_username: user.username, vo: user.vo });
  });

  it('reads the ready line from stdin with --box -', async () => {
    const user = ready.users[1]!;
    // Not spawnSync: the box answering the login runs in this very process.
    const child = spawn(process.execPath, [BIN, 'token', '--box', '-', '--user', user.username], {
      env: { ...process.env, DIRACX_CREDENTIALS_PATH: join(scratch, 'stdin-credentials.json') },
    });
    child.stdin.end(readFileSync(boxFile));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number];
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((await userinfo(ready.url, stdout.trim())).status).toBe(200);
  });

  it.each([
    [
      ['--user', 'nobody'],
      /^gridbox: No user nobody in the box at http:\/\/127\.0\.0\.1:\d+; its users include /,
    ],
    [
      ['--box', '/nonexistent/box.json'],
      /^gridbox: Cannot read the box's ready line from \/nonexistent\/box\.json: /,
    ],
  ])('says why it cannot log in with %j, in one sentence, exit 2', async (args, message) => {
    const t = recordingIo();
    const argv = ['token', '--box', boxFile, '--user', ready.users[0]!.username, ...args];
    expect(await main(argv, t.io)).toBe(2);
    expect(t.err()).toMatch(message);
    expect(t.err().trim().split('\n')).toHaveLength(1);
  });

  it('names --box when the user is not in the fixtures it regenerated', async () => {
    const t = recordingIo();
    const argv = ['token', '--url', ready.url, '--user', ready.users[0]!.username];
    expect(await main(argv, t.io)).toBe(2);
    expect(t.err()).toContain('pass its ready line with --box FILE');
  });
});

describe("a real DiracX login's credentials file", () => {
  const foreignToken = (iss: string) =>
    ['e30', Buffer.from(JSON.stringify({ iss })).toString('base64url'), 'c2ln'].join('.');

  it.each(['token', 'login'])(
    '%s keeps a file holding a login to another server, and says so',
    async (command) => {
      const credentials = join(scratch, `${command}-real-diracx.json`);
      const real = `${JSON.stringify({ access_token: foreignToken('https://diracx.example.org'), refresh_token: 'r', expires_on: 1 })}\n`;
      writeFileSync(credentials, real);
      const t = recordingIo({ DIRACX_CREDENTIALS_PATH: credentials });
      const user = ready.users[0]!;
      const argv =
        command === 'token'
          ? ['token', '--box', boxFile, '--user', user.username]
          : ['login', '--url', ready.url, '--vo', user.vo];
      // `login` waits for a person: sign them in from here once the link is printed.
      const done = main(argv, t.io);
      if (command === 'login') await signInFromPrintedLink(t, user.username);
      expect(await done).toBe(0);
      expect(readFileSync(credentials, 'utf8')).toBe(real);
      expect(t.err()).toContain(
        `gridbox: kept ${credentials}, which holds a login to another server (issuer https://diracx.example.org); set DIRACX_CREDENTIALS_PATH to store this login elsewhere.`,
      );
      expect((await userinfo(ready.url, t.out().trim())).status).toBe(200);
    },
  );

  it("replaces a file holding the same box's login", async () => {
    const credentials = join(scratch, 'same-box.json');
    const user = ready.users[0]!;
    const first = recordingIo({ DIRACX_CREDENTIALS_PATH: credentials });
    expect(await main(['token', '--box', boxFile, '--user', user.username], first.io)).toBe(0);
    const second = recordingIo({ DIRACX_CREDENTIALS_PATH: credentials });
    expect(await main(['token', '--box', boxFile, '--user', user.username], second.io)).toBe(0);
    expect(second.err()).toBe('');
    const stored = JSON.parse(readFileSync(credentials, 'utf8')) as { access_token: string };
    expect(stored.access_token).toBe(second.out().trim());
  });
});

/** Plays the person of `gridbox login`: opens the printed link and signs in. */
async function signInFromPrintedLink(t: ReturnType<typeof recordingIo>, username: string) {
  const deadline = Date.now() + 30_000;
  let link: string | undefined;
  while ((link = /https?:\/\/\S+user_code=\S+/.exec(t.err())?.[0]) === undefined) {
    if (Date.now() > deadline) throw new Error('login printed no link within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { password } = ready.users.find((u) => u.username === username)!;
  await browserLogin(link, { username, password });
}

describe('what gridbox up tells a person at a terminal', () => {
  it('gives a token command that works as printed, for a box of another seed', async () => {
    let text = '';
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    let greeted: () => void = () => undefined;
    const greeting = new Promise<void>((resolve) => (greeted = resolve));
    const exit = main(['up', '--port', '0', '--seed', '99', '--log-level', 'silent'], {
      stdout: {
        write: (chunk: string) => {
          text += chunk;
          if (text.includes('Press Ctrl-C')) greeted();
        },
      },
      stderr: { write: () => true },
      stdoutIsTTY: true,
      env: { GRIDBOX_CA_DIR: join(scratch, 'ca') },
      waitForStop: () => stopped,
    });
    await greeting;
    const command = /^ {2}(gridbox token --url .*)$/m.exec(text)?.[1];
    expect(command).toMatch(/--seed 99/);
    const t = recordingIo({ DIRACX_CREDENTIALS_PATH: join(scratch, 'printed.json') });
    expect(await main(command!.split(' ').slice(1), t.io), t.err()).toBe(0);
    expect(text).toContain('gridbox token --box box.json --user ');
    stop('SIGINT');
    expect(await exit).toBe(0);
  });
});

describe('help', () => {
  it('shows the defaults of up and marks what token and login require', async () => {
    const help = async (...argv: string[]) => {
      const t = recordingIo();
      expect(await main([...argv, '--help'], t.io)).toBe(0);
      return t.out().replace(/\s+/g, ' ');
    };
    const up = await help('up');
    expect(up).toContain(
      '--port <value> TCP port of the API; 0 lets the system pick a free one. (default: 8000)',
    );
    expect(up).toContain('(default: sqlite::memory:)');
    expect(await help('token')).toContain('--user <name> a user of the fixtures (required)');
    expect(await help('login')).toContain('--vo <vo> VO to log in to (required)');
  });
});
