import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/index.ts';
import {
  type OpenSearchConnectionOptions,
  openSearchClientOptions,
  parseOpenSearchConnection,
} from './connection.ts';

const SOURCE = 'DIRACX_OS_DB_JOBPARAMETERSDB';

/** Defaults every parsed connection has unless the case says otherwise. */
function connection(
  nodes: OpenSearchConnectionOptions['nodes'],
  rest: Partial<OpenSearchConnectionOptions> = {},
): OpenSearchConnectionOptions {
  return { nodes, verifyCerts: true, verifyHostname: true, displayUrl: nodes[0]!.url, ...rest };
}

const valid: { name: string; json: string; expected: OpenSearchConnectionOptions }[] = [
  {
    name: 'DiracX demo form: credentials in a host:port string',
    json: '{"hosts": "admin:admin@opensearch:9200", "use_ssl": false, "verify_certs": false}',
    expected: connection(
      [{ url: 'http://opensearch:9200', username: 'admin', password: 'admin' }],
      { verifyCerts: false },
    ),
  },
  {
    name: 'use_ssl turns a bare host into https on the default port 9200',
    json: '{"hosts": "opensearch", "use_ssl": true}',
    expected: connection([{ url: 'https://opensearch:9200' }]),
  },
  {
    name: 'an https URL implies TLS and port 443',
    json: '{"hosts": "https://search.example.org"}',
    expected: connection([{ url: 'https://search.example.org:443' }]),
  },
  {
    name: 'an http URL with use_ssl still uses TLS, as opensearch-py does',
    json: '{"hosts": "http://os:9201", "use_ssl": true}',
    expected: connection([{ url: 'https://os:9201' }]),
  },
  {
    name: 'a URL path becomes the prefix of every request',
    json: '{"hosts": "http://proxy:8080/opensearch/"}',
    expected: connection([{ url: 'http://proxy:8080/opensearch' }]),
  },
  {
    name: 'percent-encoded credentials are decoded',
    json: '{"hosts": "http://us%40er:p%3Ass@os:9200"}',
    expected: connection([{ url: 'http://os:9200', username: 'us@er', password: 'p:ss' }]),
  },
  {
    name: 'a list of strings with a global http_auth string',
    json: '{"hosts": ["os1:9200", "os2"], "http_auth": "user:pa:ss"}',
    expected: connection([
      { url: 'http://os1:9200', username: 'user', password: 'pa:ss' },
      { url: 'http://os2:9200', username: 'user', password: 'pa:ss' },
    ]),
  },
  {
    name: 'credentials in a host string win over the global http_auth',
    json: '{"hosts": ["a:b@os1", "os2"], "http_auth": ["user", "pw"]}',
    expected: connection([
      { url: 'http://os1:9200', username: 'a', password: 'b' },
      { url: 'http://os2:9200', username: 'user', password: 'pw' },
    ]),
  },
  {
    name: 'a list of host objects, each with its own settings',
    json: '{"hosts": [{"host": "os1", "port": 9201}, {"host": "os2", "use_ssl": true, "url_prefix": "es", "http_auth": "u:p"}]}',
    expected: connection([
      { url: 'http://os1:9201' },
      { url: 'https://os2:9200/es', username: 'u', password: 'p' },
    ]),
  },
  {
    name: 'a host object with scheme https',
    json: '{"hosts": [{"host": "127.0.0.1", "port": 9200, "scheme": "https"}]}',
    expected: connection([{ url: 'https://127.0.0.1:9200' }]),
  },
  {
    name: 'an IPv6 address in a host object',
    json: '{"hosts": [{"host": "::1", "port": 9200}]}',
    expected: connection([{ url: 'http://[::1]:9200' }]),
  },
  {
    name: 'no hosts means localhost:9200, as opensearch-py defaults',
    json: '{}',
    expected: connection([{ url: 'http://localhost:9200' }]),
  },
  {
    name: 'TLS settings: a CA file, no hostname check, warnings switch accepted',
    json: '{"hosts": "os", "use_ssl": true, "ca_certs": "/etc/ca.pem", "ssl_assert_hostname": false, "ssl_show_warn": false}',
    expected: connection([{ url: 'https://os:9200' }], {
      caCertsPath: '/etc/ca.pem',
      verifyHostname: false,
    }),
  },
];

const invalid: { name: string; json: string; error: string }[] = [
  { name: 'not JSON', json: 'hosts=os', error: `${SOURCE} is not valid JSON (` },
  {
    name: 'a bare URL instead of an object',
    json: '"http://os:9200"',
    error: `${SOURCE} must be a JSON object of connection options.`,
  },
  { name: 'an array', json: '[]', error: `${SOURCE} must be a JSON object` },
  {
    name: 'an unknown key',
    json: '{"hosts": "os", "max_retries": 3}',
    error: `${SOURCE} has the unsupported key max_retries: gridbox understands hosts,`,
  },
  {
    name: 'hosts is a number',
    json: '{"hosts": 9200}',
    error: `${SOURCE}'s hosts must be a string, or a list of strings or of {"host", "port"} objects.`,
  },
  {
    name: 'hosts is an empty list',
    json: '{"hosts": []}',
    error: `${SOURCE}'s hosts must name at least one host.`,
  },
  {
    name: 'a host string with an unsupported scheme',
    json: '{"hosts": "ftp://os"}',
    error: `${SOURCE}'s host "ftp://os" must use http or https, not ftp.`,
  },
  {
    name: 'a host string with a non-numeric port',
    json: '{"hosts": "os:abc"}',
    error: `${SOURCE}'s host "os:abc" is not a host[:port] or a URL.`,
  },
  {
    name: 'a host string with a query',
    json: '{"hosts": "http://os:9200/?x=1"}',
    error: `${SOURCE}'s host "http://os:9200/?x=1" must not carry a query or a fragment.`,
  },
  {
    name: 'a host object with a port out of range',
    json: '{"hosts": [{"host": "os", "port": 70000}]}',
    error: `${SOURCE}'s hosts[0]'s port must be an integer from 1 to 65535.`,
  },
  {
    name: 'a host object with a port as a string',
    json: '{"hosts": [{"host": "os", "port": "9200"}]}',
    error: `${SOURCE}'s hosts[0]'s port must be an integer from 1 to 65535.`,
  },
  {
    name: 'a host object whose host is a URL',
    json: '{"hosts": [{"host": "http://os"}]}',
    error: `${SOURCE}'s hosts[0]'s host must be a host name or address.`,
  },
  {
    name: 'a host object with an unknown key',
    json: '{"hosts": [{"host": "os", "timeout": 3}]}',
    error: `${SOURCE}'s hosts[0] has the unsupported key timeout:`,
  },
  {
    name: 'a host object with another scheme',
    json: '{"hosts": [{"host": "os", "scheme": "ftp"}]}',
    error: `${SOURCE}'s hosts[0]'s scheme must be http or https.`,
  },
  {
    name: 'http_auth without a colon',
    json: '{"hosts": "os", "http_auth": "admin"}',
    error: `${SOURCE}'s http_auth must be "user:password" or ["user", "password"].`,
  },
  {
    name: 'http_auth as a list of three',
    json: '{"hosts": "os", "http_auth": ["a", "b", "c"]}',
    error: `${SOURCE}'s http_auth must be "user:password" or ["user", "password"].`,
  },
  {
    name: 'use_ssl as a string',
    json: '{"hosts": "os", "use_ssl": "false"}',
    error: `${SOURCE}'s use_ssl must be true or false.`,
  },
  {
    name: 'verify_certs as a number',
    json: '{"hosts": "os", "verify_certs": 0}',
    error: `${SOURCE}'s verify_certs must be true or false.`,
  },
  {
    name: 'ca_certs empty',
    json: '{"hosts": "os", "ca_certs": ""}',
    error: `${SOURCE}'s ca_certs must be the path of a PEM file.`,
  },
];

describe('parseOpenSearchConnection', () => {
  it.each(valid)('reads $name', ({ json, expected }) => {
    expect(parseOpenSearchConnection(json, SOURCE)).toEqual(expected);
  });

  it.each(invalid)('refuses $name with one sentence', ({ json, error }) => {
    let thrown: unknown;
    try {
      parseOpenSearchConnection(json, SOURCE);
    } catch (caught) {
      thrown = caught;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    const message = (thrown as Error).message;
    expect(message.startsWith(error)).toBe(true);
    expect(message).toMatch(/\.$/);
    expect(message).not.toMatch(/\n/);
  });
});

describe('openSearchClientOptions', () => {
  it('puts credentials in node URLs, bounds every request and turns retries and sniffing off', () => {
    const options = openSearchClientOptions(
      parseOpenSearchConnection(
        '{"hosts": "http://us%40er:p%3Ass@os:9200", "verify_certs": false}',
      ),
      2500,
    );
    const [node] = options.nodes as { url: URL }[];
    expect(node!.url.href).toBe('http://us%40er:p%3Ass@os:9200/');
    expect(options).toMatchObject({
      requestTimeout: 2500,
      maxRetries: 0,
      sniffOnStart: false,
      sniffOnConnectionFault: false,
      sniffInterval: false,
      ssl: { rejectUnauthorized: false },
    });
  });

  it('reads the CA file, and refuses one it cannot read with one sentence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbox-ca-'));
    try {
      const path = join(dir, 'ca.pem');
      writeFileSync(path, 'PEM');
      const parsed = parseOpenSearchConnection(JSON.stringify({ hosts: 'os', ca_certs: path }));
      expect(openSearchClientOptions(parsed, 1000).ssl).toMatchObject({ ca: 'PEM' });
      const missing = { ...parsed, caCertsPath: join(dir, 'missing.pem') };
      expect(() => openSearchClientOptions(missing, 1000)).toThrow(
        new RegExp(`^Cannot read the OpenSearch CA file ${join(dir, 'missing.pem')}: .*\\.$`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
