import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserLogin } from '../client/index.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';

// What a newcomer meets in a browser: the bare URL, and the docs page's Authorize button.

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-docs-'));
let ready: { url: string; users: { username: string; password: string; vo: string }[] };
let stopBox: (signal: string) => void = () => undefined;
let boxExit: Promise<number>;

beforeAll(async () => {
  let out = '';
  let gotLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  const stopped = new Promise<string>((resolve) => (stopBox = resolve));
  const io: Io = {
    stdout: {
      write: (text: string) => {
        out += text;
        if (out.includes('\n')) gotLine(out.slice(0, out.indexOf('\n')));
      },
    },
    stderr: { write: () => true },
    stdoutIsTTY: false,
    env: { GRIDBOX_CA_DIR: join(scratch, 'ca'), GRIDBOX_LOG_LEVEL: 'silent' },
    waitForStop: () => stopped,
  };
  boxExit = main(['up', '--json', '--port', '0'], io);
  ready = JSON.parse(await firstLine) as typeof ready;
});
afterAll(async () => {
  stopBox('SIGTERM');
  await boxExit;
  rmSync(scratch, { recursive: true, force: true });
});

describe('the box in a browser', () => {
  it('sends the bare URL to the API docs', async () => {
    const response = await fetch(`${ready.url}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/api/docs');
  });

  it("completes the docs page's Authorize flow on the redirect URI the page sends", async () => {
    // 1. What the page's script does: PKCE, DiracX's client id, and a redirect URI beside it.
    const script = await (
      await fetch(`${ready.url}/api/docs/static/swagger-initializer.js`)
    ).text();
    expect(script).toContain(`oauth2RedirectUrl: resolveUrl('./static/oauth2-redirect.html')`);
    expect(script).toContain('"usePkceWithAuthorizationCodeGrant":true');
    expect(script).toContain('"clientId":"myDIRACClientID"');
    const redirectUri = new URL('./static/oauth2-redirect.html', `${ready.url}/api/docs/`).href;
    expect((await fetch(redirectUri)).status).toBe(200);

    // 2. The Authorize button's request, and the sign-in.
    const user = ready.users[0]!;
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${ready.url}/api/auth/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'myDIRACClientID',
      redirect_uri: redirectUri,
      scope: `vo:${user.vo}`,
      state: 'docs-state',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const landed = await browserLogin(authorize.href, {
      username: user.username,
      password: user.password,
      isDone: (url) => url.href.startsWith(redirectUri),
    });

    // 3. What the redirect page posts to the token endpoint.
    const token = await fetch(`${ready.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'myDIRACClientID',
        code: landed.searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
  });
});
