import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyProxy } from '../ca/index.ts';
import { generateFixtures, serializeFixtureSet } from '../fixtures/index.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';

/** An Io that records output and stops when the test says so. */
function testIo({ env = {}, tty = false }: { env?: Record<string, string>; tty?: boolean } = {}) {
  // Boxes keep their CA under the scratch folder, not in the working directory.
  env = { GRIDBOX_CA_DIR: join(scratch, 'box-ca'), ...env };
  let out = '';
  let err = '';
  let stop: (signal: string) => void = () => undefined;
  let gotLine: (line: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  const io: Io = {
    stdout: {
      write: (text: string) => {
        out += text;
        if (out.includes('\n')) gotLine(out.slice(0, out.indexOf('\n')));
      },
    },
    stderr: { write: (text: string) => (err += text), isTTY: false },
    stdoutIsTTY: tty,
    env,
    waitForStop: () => stopped,
  };
  return { io, stdout: () => out, stderr: () => err, firstLine, stop };
}

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('gridbox usage', () => {
  it.each([['--help'], ['up', '--help'], ['fixtures', 'generate', '--help']])(
    'prints help for %s and exits 0',
    async (...argv) => {
      const t = testIo();
      expect(await main(argv, t.io)).toBe(0);
      expect(t.stdout()).toMatch(/^Usage: gridbox/);
    },
  );

  it.each([
    [['bogus'], "error: unknown command 'bogus'"],
    [['up', '--nope'], "error: unknown option '--nope'"],
    [
      ['up', '--port', 'abc'],
      'gridbox: Invalid value "abc" for --port: expected an integer from 0 to 65535.',
    ],
    [
      ['up', '--fixtures', 'huge'],
      'gridbox: Invalid value "huge" for --fixtures: expected small, large, or a fixture set of an extension loaded with --extension.',
    ],
    [
      ['up', '--config-file', '/nonexistent/set.yaml'],
      'gridbox: Cannot read the fixture file /nonexistent/set.yaml: ENOENT.',
    ],
    [['fixtures', 'generate', '--seed', 'x'], 'gridbox: Invalid value "x" for --seed'],
    [
      ['fixtures', 'generate', '--size', 'huge'],
      "error: option '--size <name>' argument 'huge' is invalid",
    ],
    [
      ['fixtures', 'generate', '--out', '/nonexistent/dir/x.yaml'],
      'gridbox: Cannot write /nonexistent/dir/x.yaml: ENOENT.',
    ],
  ])('exits 2 for %j with one line on stderr and nothing on stdout', async (argv, message) => {
    const t = testIo();
    expect(await main(argv, t.io)).toBe(2);
    expect(t.stderr()).toContain(message);
    // A loaded machine may take over 5 s to load the command, and say so first.
    const lines = t.stderr().trim().split('\n');
    expect(lines.filter((line) => !line.startsWith('gridbox: still starting'))).toHaveLength(1);
    expect(t.stdout()).toBe('');
  });

  it('exits 2 for a setting misspelt in the environment', async () => {
    const t = testIo({ env: { GRIDBOX_PROT: '9000' } });
    expect(await main(['up'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/^gridbox: Unknown setting GRIDBOX_PROT in the environment/);
  });
});

describe('gridbox fixtures generate', () => {
  it('writes the same YAML for the same seed and other YAML for another', async () => {
    const runs = await Promise.all(
      ['5', '5', '6'].map(async (seed) => {
        const t = testIo();
        expect(await main(['fixtures', 'generate', '--seed', seed], t.io)).toBe(0);
        return t.stdout();
      }),
    );
    expect(runs[0]).toBe(runs[1]);
    expect(runs[0]).not.toBe(runs[2]);
    expect(parseYaml(runs[0]!).meta).toEqual({
      seed: 5,
      size: 'small',
      refDate: '2026-01-01T00:00:00.000Z',
    });
  });

  it('writes JSON to --out when the file name says so, and tells it on stderr', async () => {
    const out = join(scratch, 'large.json');
    const t = testIo();
    expect(await main(['fixtures', 'generate', '--size', 'large', '--out', out], t.io)).toBe(0);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toContain(`to ${out}`);
    expect(JSON.parse(readFileSync(out, 'utf8')).meta.size).toBe('large');
  });
});

describe('gridbox up', () => {
  it('prints one JSON ready line, serves the API over HTTP, and stops with 0 when asked', async () => {
    const t = testIo();
    const exit = main(['up', '--port', '0', '--log-level', 'silent'], t.io);
    const ready = JSON.parse(await t.firstLine);
    expect(ready).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      idp_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      ca_bundle: null,
    });
    const discovery = await fetch(`${ready.idp_url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(ready.users).toHaveLength(10);
    expect(ready.users[0]).toEqual({
      username: expect.any(String),
      password: expect.any(String),
      vo: expect.any(String),
      groups: expect.arrayContaining([expect.any(String)]),
    });
    const live = await fetch(`${ready.url}/api/health/live`);
    expect(live.status).toBe(200);
    t.stop('SIGTERM');
    expect(await exit).toBe(0);
    expect(t.stdout().trim().split('\n')).toHaveLength(1);
    await expect(fetch(`${ready.url}/api/health/live`)).rejects.toThrow();
  });

  it('greets a person at a terminal with the URL and the users instead of JSON', async () => {
    const t = testIo({ tty: true });
    const exit = main(['up', '--port', '0', '--log-level', 'silent'], t.io);
    expect(await t.firstLine).toMatch(/^gridbox is up at http:\/\/127\.0\.0\.1:\d+$/);
    t.stop('SIGINT');
    expect(await exit).toBe(0);
    expect(t.stdout()).toContain('10 users (username, password, VO, groups):');
  });

  it('serves a fixture file given with --config-file', async () => {
    const file = join(scratch, 'seed-77.yaml');
    const set = generateFixtures({ seed: 77, size: 'small' });
    writeFileSync(file, serializeFixtureSet(set, 'yaml'));
    const t = testIo({ env: { GRIDBOX_CONFIG_FILE: file, GRIDBOX_LOG_LEVEL: 'silent' } });
    const exit = main(['up', '--json', '--port', '0'], t.io);
    const ready = JSON.parse(await t.firstLine);
    expect(ready.fixtures).toBe(file);
    const login = testIo({
      env: { GRIDBOX_CONFIG_FILE: file, DIRACX_CREDENTIALS_PATH: join(scratch, 'creds.json') },
    });
    expect(
      await main(['token', '--user', set.users[0]!.username, '--url', ready.url], login.io),
    ).toBe(0);
    const headers = { authorization: `Bearer ${login.stdout().trim()}` };
    const served = (await (
      await fetch(`${ready.url}/api/config/`, { headers })
    ).json()) as typeof set.config;
    // The box points every VO at its own identity provider; the rest is the file.
    for (const info of Object.values(set.config.Registry)) info.IdP.URL = ready.idp_url;
    expect(served).toEqual(set.config);
    t.stop('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('exits 2 with one sentence when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const t = testIo();
      expect(await main(['up', '--port', String(port), '--log-level', 'silent'], t.io)).toBe(2);
      expect(t.stderr()).toBe(
        `gridbox: Port ${port} on 127.0.0.1 is already in use; choose another with --port.\n`,
      );
    } finally {
      blocker.close();
    }
  });
});

describe('gridbox up on a database file', () => {
  it('keeps users logged in and sandboxes downloadable across a restart', async () => {
    const db = join(scratch, 'restart.db');
    const upOn = async () => {
      const t = testIo({ env: { GRIDBOX_LOG_LEVEL: 'silent' } });
      const exit = main(['up', '--json', '--port', '0', '--db-url', `sqlite:${db}`], t.io);
      const ready = JSON.parse(await t.firstLine) as { url: string; users: { username: string }[] };
      return { ready, stop: () => (t.stop('SIGTERM'), exit) };
    };

    // 1. First start: log in and upload a sandbox.
    const first = await upOn();
    const login = testIo({ env: { DIRACX_CREDENTIALS_PATH: join(scratch, 'restart-creds.json') } });
    const user = first.ready.users[0]!.username;
    expect(await main(['token', '--user', user, '--url', first.ready.url], login.io)).toBe(0);
    const auth = { authorization: `Bearer ${login.stdout().trim()}` };
    const data = Buffer.from('a sandbox that outlives its box '.repeat(100));
    const info = {
      checksum_algorithm: 'sha256',
      checksum: createHash('sha256').update(data).digest('hex'),
      size: data.length,
      format: 'tar.zst',
    };
    const initiated = await fetch(`${first.ready.url}/api/jobs/sandbox`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(info),
    });
    const { pfn, url, fields } = (await initiated.json()) as {
      pfn: string;
      url: string;
      fields: Record<string, string>;
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([data]), 'sandbox.tar.zst');
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(204);
    expect(await first.stop()).toBe(0);
    expect(statSync(`${db}.keys.json`).mode & 0o777).toBe(0o600);

    // 2. Second start on the same file: the same token works, the sandbox comes back.
    const second = await upOn();
    try {
      const link = await fetch(
        `${second.ready.url}/api/jobs/sandbox?pfn=${encodeURIComponent(pfn)}`,
        { headers: auth },
      );
      expect(link.status).toBe(200);
      const download = await fetch(((await link.json()) as { url: string }).url);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

describe('gridbox ca', () => {
  const caDir = join(scratch, 'ca');
  const users = generateFixtures({ seed: 1, size: 'small' }).users;
  const alice = users[0]!;

  it('creates the root once and prints where it is', async () => {
    const first = testIo();
    expect(await main(['ca', 'init', '--ca-dir', caDir], first.io)).toBe(0);
    const path = first.stdout().trim();
    const pem = readFileSync(path, 'utf8');
    const second = testIo();
    expect(await main(['ca', 'init', '--ca-dir', caDir], second.io)).toBe(0);
    expect(second.stdout().trim()).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe(pem);
  });

  it("writes a proxy for a fixture user that carries their VO's default group", async () => {
    const t = testIo();
    expect(await main(['ca', 'proxy', '--ca-dir', caDir, '--user', alice.username], t.io)).toBe(0);
    const proxy = readFileSync(t.stdout().trim(), 'utf8');
    const identity = verifyProxy(proxy, readFileSync(join(caDir, 'ca.pem'), 'utf8'), Date.now());
    expect(identity).toMatchObject({ dn: alice.dn, group: `${alice.vo}_user` });
  });

  it.each([
    [['--user', 'nobody'], /^gridbox: No user nobody in these fixtures/],
    [['--user', alice.username, '--group', 'someone_elses'], /is not in group someone_elses/],
    [
      ['--user', alice.username, '--lifetime-hours', '-1'],
      /Invalid value "-1" for --lifetime-hours/,
    ],
    [[], /--user NAME/],
  ])('refuses a proxy for %j with exit 2', async (args, message) => {
    const t = testIo();
    expect(await main(['ca', 'proxy', '--ca-dir', caDir, ...args], t.io)).toBe(2);
    expect(t.stderr()).toMatch(message);
  });
});

describe('gridbox up --tls', () => {
  it('serves HTTPS with a certificate of its CA and names the CA bundle in the ready line', async () => {
    const caDir = join(scratch, 'tls-ca');
    const t = testIo({ env: { GRIDBOX_CA_DIR: caDir, GRIDBOX_LOG_LEVEL: 'silent' } });
    const exit = main(['up', '--tls', '--port', '0'], t.io);
    const ready = JSON.parse(await t.firstLine);
    expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.ca_bundle).toBe(join(caDir, 'ca.pem'));
    const trusting = new Agent({ connect: { ca: readFileSync(ready.ca_bundle, 'utf8') } });
    const response = await undiciFetch(`${ready.url}/api/health/live`, { dispatcher: trusting });
    expect(response.status).toBe(200);
    await expect(undiciFetch(`${ready.url}/api/health/live`)).rejects.toThrow();
    t.stop('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('completes a login with only the ca_bundle of the ready line trusted', async () => {
    const caDir = join(scratch, 'tls-login-ca');
    const t = testIo({ env: { GRIDBOX_CA_DIR: caDir, GRIDBOX_LOG_LEVEL: 'silent' } });
    const exit = main(['up', '--json', '--tls', '--port', '0'], t.io);
    const ready = JSON.parse(await t.firstLine);
    const login = testIo({
      env: {
        DIRACX_CA_PATH: ready.ca_bundle,
        DIRACX_CREDENTIALS_PATH: join(scratch, 'tls-creds.json'),
      },
    });
    const code = await main(
      ['token', '--user', ready.users[0].username, '--url', ready.url],
      login.io,
    );
    expect(login.stderr()).toBe('');
    expect(code).toBe(0);
    const trusting = new Agent({ connect: { ca: readFileSync(ready.ca_bundle, 'utf8') } });
    const userinfo = await undiciFetch(`${ready.url}/api/auth/userinfo`, {
      dispatcher: trusting,
      headers: { authorization: `Bearer ${login.stdout().trim()}` },
    });
    expect(userinfo.status).toBe(200);
    t.stop('SIGTERM');
    expect(await exit).toBe(0);
  });
});
