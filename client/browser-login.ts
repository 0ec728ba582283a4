import type { Dispatcher } from 'undici';
import { fetch } from 'undici';

/** The few cookies an identity provider sets during a login, per origin. */
class CookieJar {
  readonly #cookies = new Map<string, Map<string, string>>();

  store(url: URL, setCookies: string[]): void {
    const jar = this.#cookies.get(url.origin) ?? new Map<string, string>();
    for (const line of setCookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      // An expired cookie (empty value) is the server deleting it.
      if (value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.#cookies.set(url.origin, jar);
  }

  header(url: URL): string | undefined {
    const jar = this.#cookies.get(url.origin);
    if (jar === undefined || jar.size === 0) return undefined;
    return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface BrowserLoginOptions {
  username: string;
  password: string;
  /** TLS settings for HTTPS servers (a CA bundle). */
  dispatcher?: Dispatcher;
  /** Stop following redirects at the first URL this accepts, and return it. */
  isDone?: (url: URL) => boolean;
  maxSteps?: number;
}

/** Thrown when the login could not be completed; the message says where it stopped. */
export class BrowserLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrowserLoginError';
  }
}

/**
 * Does what a person does in a browser: opens `startUrl`, follows redirects, fills in the
 * identity provider's sign-in form, and follows redirects again. Returns the last URL
 * reached (or the first that `isDone` accepts). No page scripts run; the form must post.
 */
export async function browserLogin(startUrl: string, options: BrowserLoginOptions): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(startUrl);
  let method = 'GET';
  let body: string | undefined;
  let submitted = false;
  for (let step = 0; step < (options.maxSteps ?? 20); step++) {
    if (options.isDone?.(url) === true) return url;
    const headers: Record<string, string> = {};
    const cookie = jar.header(url);
    if (cookie !== undefined) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    });
    jar.store(url, response.headers.getSetCookie());
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      url = new URL(location, url);
      method = 'GET';
      body = undefined;
      await response.body?.cancel();
      continue;
    }
    const page = await response.text();
    const form = /<form[^>]*method="post"[^>]*action="([^"]+)"/i.exec(page);
    if (form === null || !/name="password"/.test(page)) return url;
    if (submitted)
      throw new BrowserLoginError(
        `the identity provider refused the credentials of ${options.username}`,
      );
    url = new URL(decodeEntities(form[1]!), url);
    method = 'POST';
    body = new URLSearchParams({
      username: options.username,
      password: options.password,
    }).toString();
    submitted = true;
  }
  throw new BrowserLoginError(
    `the login did not finish within ${options.maxSteps ?? 20} steps (last at ${url.href})`,
  );
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replaceAll('&amp;', '&');
}
