import { MySqlContainer } from '@testcontainers/mysql';
import { OpenSearchContainer } from '@testcontainers/opensearch';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { localImages } from './images.ts';

// The local images as the containers profile starts them, through testcontainers' own modules.
// Needs docker, the images built and TESTCONTAINERS_RYUK_DISABLED / TESTCONTAINERS_HOST_OVERRIDE
// set, as .ci/run arranges (docs/containers.md, Images).
const withContainers = process.env.TEST_CONTAINERS === '1';
const tags = localImages();
const STARTUP_TIMEOUT_MS = 300_000;

describe.skipIf(!withContainers)(
  `local images under testcontainers${withContainers ? '' : ' (skipped: needs TEST_CONTAINERS=1, docker and the images built, as .ci/run does)'}`,
  () => {
    it(
      'MariaDB takes the user and root over TCP, in utf8mb4, with the datadir on tmpfs',
      async () => {
        await using server = await new MySqlContainer(tags.mysql)
          .withTmpFs({ '/var/lib/mysql': 'rw' })
          .start();
        for (const [isRoot, user] of [
          [false, 'test@%'],
          [true, 'root@%'],
        ] as const) {
          const connection = await mysql.createConnection(server.getConnectionUri(isRoot));
          try {
            const [rows] = await connection.query(
              'SELECT CURRENT_USER() AS user, DATABASE() AS db, @@character_set_server AS charset',
            );
            expect(rows).toEqual([{ user, db: 'test', charset: 'utf8mb4' }]);
          } finally {
            await connection.end();
          }
        }
        // The module's own helper runs the mysql client inside the container.
        expect(await server.executeQuery('SELECT 40 + 2 AS answer')).toContain('42');
      },
      STARTUP_TIMEOUT_MS + 60_000,
    );

    it(
      'OpenSearch 2.19.6 answers on its HTTP URL with security off',
      async () => {
        await using server = await new OpenSearchContainer(tags.opensearch)
          .withSecurityEnabled(false)
          .withStartupTimeout(STARTUP_TIMEOUT_MS)
          .start();
        const response = await fetch(`${server.getHttpUrl()}/`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ version: { number: '2.19.6' } });
      },
      STARTUP_TIMEOUT_MS + 60_000,
    );
  },
);
