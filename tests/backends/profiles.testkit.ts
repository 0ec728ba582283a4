import { inject } from 'vitest';
import type { TestBoxOptions } from '../../services/app/test-box.testkit.ts';
import { parseOpenSearchConnection } from '../../services/db/index.ts';
import { freshMysqlDatabase } from '../../services/db/sql-backends.testkit.ts';

// Test support: the profiles a run has, each giving the options of a fresh box on it.

const containers = inject('containers');

/**
 * `embedded` always; `containers` when the run's global setup started the MariaDB and
 * OpenSearch pair (TEST_CONTAINERS=1): each box in a database of its own on the shared SQL
 * server, and on the shared OpenSearch.
 */
export const profileBackends: [string, () => Promise<TestBoxOptions>][] = [
  ['embedded', () => Promise.resolve({})],
];
if (containers !== undefined)
  profileBackends.push([
    'containers',
    async () => ({
      dbUrl: await freshMysqlDatabase(containers.mysqlUrl),
      openSearch: parseOpenSearchConnection(
        JSON.stringify({ hosts: containers.openSearchUrl, use_ssl: false }),
      ),
    }),
  ]);
