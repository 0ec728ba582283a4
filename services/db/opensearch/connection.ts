import { readFileSync } from 'node:fs';
import type { ClientOptions } from '@opensearch-project/opensearch';
import { UsageError } from '../../core/index.ts';

/** One OpenSearch node: where it listens and, if it wants them, the credentials to send. */
export interface OpenSearchNode {
  /** `http(s)://host:port` and any path prefix; never credentials. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * Where an OpenSearch DB lives, as DiracX's `DIRACX_OS_DB_<NAME>` describes it, in a form
 * that holds no open resource (so it can be parsed at the edge and passed down).
 */
export interface OpenSearchConnectionOptions {
  readonly nodes: readonly OpenSearchNode[];
  /** opensearch-py's `verify_certs`: check the server's certificate chain (default true). */
  readonly verifyCerts: boolean;
  /** opensearch-py's `ssl_assert_hostname`: check the certificate names the host (default true). */
  readonly verifyHostname: boolean;
  /** opensearch-py's `ca_certs`: a PEM file of CAs to trust instead of the system's. */
  readonly caCertsPath?: string;
  /** The first node's URL, for logs. */
  readonly displayUrl: string;
}

const GLOBAL_KEYS = [
  'hosts',
  'http_auth',
  'use_ssl',
  'verify_certs',
  'ca_certs',
  'ssl_assert_hostname',
  'ssl_show_warn',
];
const HOST_KEYS = ['host', 'port', 'use_ssl', 'scheme', 'url_prefix', 'http_auth'];
const DEFAULT_PORT = 9200;

interface Credentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Parses DiracX's OpenSearch connection setting: the JSON object of opensearch-py
 * `AsyncOpenSearch` keyword arguments that `DIRACX_OS_DB_<NAME>` holds, e.g.
 * `{"hosts": "user:pass@host:9200", "use_ssl": true, "verify_certs": false}`.
 * `hosts` takes the forms opensearch-py accepts: one string, a list of strings, or a list
 * of `{"host", "port", "use_ssl", "url_prefix", "http_auth"}` objects; a string may carry a
 * scheme (`https://` implies TLS and port 443), credentials and a path prefix. Keys gridbox
 * does not honour are refused rather than ignored. `source` names the setting in errors.
 * Malformed input throws a one-sentence UsageError.
 */
export function parseOpenSearchConnection(
  text: string,
  source = 'the OpenSearch connection setting',
): OpenSearchConnectionOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON (${(error as Error).message}).`);
  }
  const options = objectOf(parsed, `${source} must be a JSON object of connection options`);
  const unknown = Object.keys(options).filter((key) => !GLOBAL_KEYS.includes(key));
  if (unknown.length > 0)
    throw new UsageError(
      `${source} has the unsupported key ${unknown[0]}: gridbox understands ${GLOBAL_KEYS.join(', ')}.`,
    );
  const useSsl = booleanAt(options, 'use_ssl', source) ?? false;
  const auth = credentialsOf(options.http_auth, `${source}'s http_auth`);
  const hosts = hostListOf(options.hosts, source);
  const nodes = hosts.map((host, index) =>
    typeof host === 'string'
      ? nodeFromString(host, useSsl, auth, `${source}'s host ${JSON.stringify(host)}`)
      : nodeFromObject(host, useSsl, auth, `${source}'s hosts[${index}]`),
  );
  const caCerts = options.ca_certs;
  if (caCerts !== undefined && caCerts !== null && (typeof caCerts !== 'string' || caCerts === ''))
    throw new UsageError(`${source}'s ca_certs must be the path of a PEM file.`);
  booleanAt(options, 'ssl_show_warn', source);
  return {
    nodes,
    verifyCerts: booleanAt(options, 'verify_certs', source) ?? true,
    verifyHostname: booleanAt(options, 'ssl_assert_hostname', source) ?? true,
    ...(typeof caCerts === 'string' ? { caCertsPath: caCerts } : {}),
    displayUrl: nodes[0]!.url,
  };
}

/**
 * The JS client's options for a parsed connection: every request bounded by `timeoutMs`
 * and never retried (a retry would only stretch the wait past the bound; the caller gets
 * 503 and retries itself). An unreadable `ca_certs` file throws a UsageError.
 */
export function openSearchClientOptions(
  connection: OpenSearchConnectionOptions,
  timeoutMs: number,
): ClientOptions {
  let ca: string | undefined;
  if (connection.caCertsPath !== undefined) {
    try {
      ca = readFileSync(connection.caCertsPath, 'utf8');
    } catch (error) {
      throw new UsageError(
        `Cannot read the OpenSearch CA file ${connection.caCertsPath}: ${(error as Error).message}.`,
      );
    }
  }
  return {
    nodes: connection.nodes.map((node) => {
      const url = new URL(node.url);
      // The client's connection pool takes each node's credentials from its URL.
      if (node.username !== undefined) url.username = encodeURIComponent(node.username);
      if (node.password !== undefined) url.password = encodeURIComponent(node.password);
      return { url };
    }),
    ssl: {
      rejectUnauthorized: connection.verifyCerts,
      ...(ca === undefined ? {} : { ca }),
      ...(connection.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
    },
    requestTimeout: timeoutMs,
    pingTimeout: timeoutMs,
    maxRetries: 0,
    // Sniffing would replace the configured addresses by the nodes' own, unreachable from
    // outside a container network.
    sniffOnStart: false,
    sniffOnConnectionFault: false,
    sniffInterval: false,
  };
}

function objectOf(value: unknown, message: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`${message}.`);
  return value as Record<string, unknown>;
}

function booleanAt(
  options: Record<string, unknown>,
  key: string,
  source: string,
): boolean | undefined {
  const value = options[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new UsageError(`${source}'s ${key} must be true or false.`);
  return value;
}

function hostListOf(value: unknown, source: string): (string | Record<string, unknown>)[] {
  // opensearch-py connects to localhost:9200 when no hosts are given.
  if (value === undefined || value === null) return ['localhost'];
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw new UsageError(`${source}'s hosts must name at least one host.`);
  return list.map((host) => {
    if (typeof host === 'string') return host;
    return objectOf(
      host,
      `${source}'s hosts must be a string, or a list of strings or of {"host", "port"} objects`,
    );
  });
}

function credentialsOf(value: unknown, what: string): Credentials | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.includes(':')) {
    const colon = value.indexOf(':');
    return { username: value.slice(0, colon), password: value.slice(colon + 1) };
  }
  if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string'))
    return { username: value[0] as string, password: value[1] as string };
  throw new UsageError(`${what} must be "user:password" or ["user", "password"].`);
}

function nodeFromString(
  host: string,
  useSsl: boolean,
  auth: Credentials | undefined,
  what: string,
): OpenSearchNode {
  // As opensearch-py does: a string without a scheme is read as `//host…`.
  let url: URL;
  try {
    url = new URL(host.includes('://') ? host : `http://${host}`);
  } catch {
    throw new UsageError(`${what} is not a host[:port] or a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${what} must use http or https, not ${url.protocol.slice(0, -1)}.`);
  if (url.hostname === '') throw new UsageError(`${what} names no host.`);
  if (url.search !== '' || url.hash !== '')
    throw new UsageError(`${what} must not carry a query or a fragment.`);
  const isHttps = url.protocol === 'https:';
  const port = url.port === '' ? (isHttps ? 443 : DEFAULT_PORT) : Number(url.port);
  const credentials =
    url.username !== '' || url.password !== ''
      ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : auth;
  return nodeOf(url.hostname, port, isHttps || useSsl, url.pathname, credentials, what);
}

function nodeFromObject(
  host: Record<string, unknown>,
  useSsl: boolean,
  auth: Credentials | undefined,
  what: string,
): OpenSearchNode {
  const unknown = Object.keys(host).filter((key) => !HOST_KEYS.includes(key));
  if (unknown.length > 0)
    throw new UsageError(
      `${what} has the unsupported key ${unknown[0]}: gridbox understands ${HOST_KEYS.join(', ')}.`,
    );
  const name = host.host ?? 'localhost';
  if (typeof name !== 'string' || name === '' || /[/@\s]/.test(name))
    throw new UsageError(`${what}'s host must be a host name or address.`);
  const port = host.port ?? DEFAULT_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`${what}'s port must be an integer from 1 to 65535.`);
  const hostSsl = booleanAt(host, 'use_ssl', what);
  const scheme = host.scheme;
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
    throw new UsageError(`${what}'s scheme must be http or https.`);
  const prefix = host.url_prefix ?? '';
  if (typeof prefix !== 'string') throw new UsageError(`${what}'s url_prefix must be a string.`);
  const credentials = credentialsOf(host.http_auth, `${what}'s http_auth`) ?? auth;
  const hostname = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  return nodeOf(
    hostname,
    port,
    (hostSsl ?? useSsl) || scheme === 'https',
    prefix,
    credentials,
    what,
  );
}

function nodeOf(
  hostname: string,
  port: number,
  isTls: boolean,
  prefix: string,
  credentials: Credentials | undefined,
  what: string,
): OpenSearchNode {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const url = `${isTls ? 'https' : 'http'}://${hostname}:${port}${trimmed === '' ? '' : `/${trimmed}`}`;
  if (!URL.canParse(url)) throw new UsageError(`${what} does not make a valid URL (${url}).`);
  return credentials === undefined ? { url } : { url, ...credentials };
}
