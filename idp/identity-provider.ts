import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { type Clock, systemClock } from '../services/core/index.ts';
import { errorPage, loginPage } from './login-page.ts';
import { createMemoryAdapter } from './memory-adapter.ts';

/** Someone who can sign in: the IdP's own record, keyed by `sub`. */
export interface IdpAccount {
  sub: string;
  username: string;
  password: string;
  email: string;
}

export interface IdpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  accounts: readonly IdpAccount[];
  https?: { cert: string; key: string };
  clock?: Clock;
}

/** A running identity provider. */
export interface StartedIdp extends AsyncDisposable {
  /** Its issuer URL; discovery is at `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** Adds (or replaces) a public PKCE client allowed to redirect to `redirectUris`. */
  registerClient(clientId: string, redirectUris: readonly string[]): void;
  close(): Promise<void>;
}

const MAX_FORM_BYTES = 16 * 1024;

/**
 * Starts an OpenID Connect provider (oidc-provider) on its own port, with a sign-in page for
 * the given accounts and the authorization-code flow with PKCE, which DiracX uses as a
 * client of its VOs' identity providers.
 */
export async function startIdp(options: IdpOptions): Promise<StartedIdp> {
  const clock = options.clock ?? systemClock;
  const server: Server =
    options.https === undefined ? createServer() : createHttpsServer(options.https);
  // Listen first: the issuer URL, which the provider is built with, contains the port.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const issuer = `${options.https === undefined ? 'http' : 'https'}://${host}:${port}`;

  const bySub = new Map(options.accounts.map((a) => [a.sub, a]));
  const byUsername = new Map(options.accounts.map((a) => [a.username, a]));
  const { adapter, clients } = createMemoryAdapter(clock);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    alg: 'RS256',
    use: 'sig',
    kid: randomBytes(8).toString('hex'),
  };

  const provider = new Provider(issuer, {
    adapter,
    clients: [],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email'] },
    features: { devInteractions: { enabled: false } },
    // Seconds; a sign-in page left open for an hour still works, a session lasts a day.
    ttl: {
      Interaction: 3600,
      Session: 86400,
      Grant: 86400,
      AuthorizationCode: 600,
      IdToken: 3600,
      AccessToken: 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage({
        error: String(out.error),
        ...(out.error_description === undefined
          ? {}
          : { description: String(out.error_description) }),
      });
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const account = bySub.get(sub);
      if (account === undefined) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          preferred_username: account.username,
          name: account.username,
          email: account.email,
        }),
      };
    },
    // The clients are the box's own services (first party): consent is implied.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const session = ctx.oidc.session!;
      const client = ctx.oidc.client!;
      const grantId = session.grantIdFor(client.clientId);
      if (grantId !== undefined) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: client.clientId,
        accountId: session.accountId!,
      });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  });

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      handleInteraction(provider, byUsername, req, res).catch((error: unknown) => {
        // An unknown or expired interaction is the browser's problem, not a crash.
        res
          .writeHead(400, { 'content-type': 'text/plain' })
          .end(`Sign-in failed: ${(error as Error).message}\n`);
      });
    } else {
      callback(req, res);
    }
  });

  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    issuer,
    registerClient(clientId, redirectUris) {
      clients.set(clientId, {
        client_id: clientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [...redirectUris],
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function handleInteraction(
  provider: Provider,
  byUsername: Map<string, IdpAccount>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const clientId = String(details.params.client_id);
  if (req.method === 'GET') {
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(loginPage({ uid: details.uid, clientId }));
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const account = byUsername.get(form.get('username') ?? '');
  if (account === undefined || !samePassword(account.password, form.get('password') ?? '')) {
    res
      .writeHead(401, { 'content-type': 'text/html; charset=utf-8' })
      .end(loginPage({ uid: details.uid, clientId, error: 'Unknown username or wrong password.' }));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub } },
    { mergeWithLastSubmission: false },
  );
}

/** Compares passwords in constant time (hashing first makes the lengths equal). */
function samePassword(expected: string, given: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error('the form is too large');
  }
  return body;
}
