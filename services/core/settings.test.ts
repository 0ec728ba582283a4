import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.ts';
import { type StatePaths, parseSettings, settingsTable, statePaths } from './settings.ts';

describe('settings', () => {
  it('uses the documented defaults when nothing is given', () => {
    expect(parseSettings({})).toEqual({
      host: '127.0.0.1',
      port: 8000,
      seed: 1,
      fixtures: 'small',
      configFile: '',
      dbUrl: 'sqlite::memory:',
      profile: 'embedded',
      mysqlImage: 'mysql:8.4',
      opensearchImage: 'opensearchproject/opensearch:2.19.6',
      dbTimeoutSeconds: 10,
      idpPort: 0,
      tokenIssuer: 'gridbox',
      accessTokenExpireMinutes: 20,
      refreshTokenExpireMinutes: 60,
      tokenAlgorithm: 'Ed25519',
      allowedRedirects: '',
      tokenKeystore: '',
      legacyExchangeHashedApiKey: '',
      sandboxStoreDir: '',
      jobSearchAcrossVos: false,
      tls: false,
      caDir: '.gridbox/ca',
      logLevel: 'info',
      extension: [],
    });
  });

  it('reads GRIDBOX_* variables and lets flags win over them', () => {
    const settings = parseSettings({
      env: {
        GRIDBOX_PORT: '9000',
        GRIDBOX_SEED: '7',
        GRIDBOX_DB_URL: 'sqlite:/tmp/box.db',
        PATH: '/bin',
      },
      flags: { port: '9100' },
    });
    expect(settings).toMatchObject({ port: 9100, seed: 7, dbUrl: 'sqlite:/tmp/box.db' });
  });

  const valid: [Record<string, string>, Record<string, unknown>][] = [
    [{ port: '0' }, { port: 0 }],
    [{ port: '65535' }, { port: 65535 }],
    [{ fixtures: 'large' }, { fixtures: 'large' }],
    [
      { dbUrl: 'mysql://u:p@127.0.0.1:3306/gridbox' },
      { dbUrl: 'mysql://u:p@127.0.0.1:3306/gridbox' },
    ],
    [{ logLevel: 'silent' }, { logLevel: 'silent' }],
    [{ tls: 'true' }, { tls: true }],
    [{ tls: 'false' }, { tls: false }],
    [{ extension: './a, ./b' }, { extension: ['./a', './b'] }],
  ];
  it.each(valid)('accepts %j', (flags, expected) => {
    expect(parseSettings({ flags })).toMatchObject(expected);
  });

  const invalid: [Record<string, string>, string][] = [
    [{ port: 'abc' }, 'Invalid value "abc" for --port: expected an integer from 0 to 65535.'],
    [{ port: '70000' }, 'Invalid value "70000" for --port: expected an integer from 0 to 65535.'],
    [{ port: '80.5' }, 'Invalid value "80.5" for --port'],
    [{ seed: '-1' }, 'Invalid value "-1" for --seed'],
    [{ fixtures: '' }, 'Invalid value "" for --fixtures'],
    [{ dbUrl: 'postgres://x' }, 'Invalid value "postgres://x" for --db-url'],
    [{ logLevel: 'loud' }, 'for --log-level: expected one of fatal, error'],
    [{ host: '' }, 'Invalid value "" for --host'],
    [{ tls: 'yes' }, 'Invalid value "yes" for --tls: expected true or false.'],
    [{ legacyExchangeHashedApiKey: 'abc' }, 'for --legacy-exchange-hashed-api-key'],
    [{ accessTokenExpireMinutes: '0' }, 'for --access-token-expire-minutes'],
  ];
  it.each(invalid)('rejects %j naming the flag', (flags, message) => {
    expect(() => parseSettings({ flags })).toThrow(UsageError);
    expect(() => parseSettings({ flags })).toThrow(message);
  });

  it('names the variable when the bad value came from the environment', () => {
    expect(() => parseSettings({ env: { GRIDBOX_PORT: 'x' } })).toThrow('for GRIDBOX_PORT');
  });

  it('rejects an unknown GRIDBOX_ variable instead of ignoring a typo', () => {
    expect(() => parseSettings({ env: { GRIDBOX_PROT: '1' } })).toThrow(
      /Unknown setting GRIDBOX_PROT in the environment; known settings are GRIDBOX_HOST, GRIDBOX_PORT/,
    );
  });

  it('is documented in docs/settings.md exactly as the schema says (npm run docs)', () => {
    const published = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
    expect(published).toBe(settingsTable());
  });

  const state: [string, Record<string, string>, StatePaths][] = [
    [
      'keeps nothing for a database gone with the process',
      { dbUrl: 'sqlite::memory:' },
      { keystore: undefined, sandboxStoreDir: undefined },
    ],
    [
      'keeps keys and sandboxes beside a database file',
      { dbUrl: 'sqlite:/var/box.db' },
      {
        keystore: { path: '/var/box.db.keys.json', isDefault: true },
        sandboxStoreDir: '/var/box.db.sandboxes',
      },
    ],
    [
      'keeps them in a folder named after a MySQL database',
      { dbUrl: 'mysql://u:p@db.example:3307/grid' },
      {
        keystore: { path: '.gridbox/mysql/db.example-3307-grid/keys.json', isDefault: true },
        sandboxStoreDir: '.gridbox/mysql/db.example-3307-grid/sandboxes',
      },
    ],
    [
      'uses the files named, whatever the database',
      { dbUrl: 'sqlite::memory:', tokenKeystore: '/k.json', sandboxStoreDir: '/sb' },
      { keystore: { path: '/k.json', isDefault: false }, sandboxStoreDir: '/sb' },
    ],
    [
      'keeps them in memory when asked, even beside a file',
      { dbUrl: 'sqlite:/var/box.db', tokenKeystore: 'memory', sandboxStoreDir: 'memory' },
      { keystore: undefined, sandboxStoreDir: undefined },
    ],
  ];
  it.each(state)('%s', (_title, flags, expected) => {
    expect(statePaths(parseSettings({ flags }))).toEqual(expected);
  });
});
