import type { TestProject } from 'vitest/node';

/**
 * One MariaDB/MySQL and one OpenSearch container for the whole test run, when TEST_CONTAINERS=1
 * (.ci/run sets it once the images are built): every suite that runs on the containers profile
 * shares them, each test in a database or index of its own. Without the variable, nothing
 * starts and those suites run on the embedded backends only.
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_CONTAINERS !== '1') return undefined;
  const { startServers, useLocalImageDefaults } = await import('../containers/start.ts');
  const { resolveImage } = await import('../containers/images.ts');
  useLocalImageDefaults(process.env);
  const servers = await startServers({
    images: {
      mysql: resolveImage(process.env.GRIDBOX_MYSQL_IMAGE ?? 'local', 'mysql'),
      opensearch: resolveImage(process.env.GRIDBOX_OPENSEARCH_IMAGE ?? 'local', 'opensearch'),
    },
    progress: (line) => process.stderr.write(`containers: ${line}\n`),
  });
  project.provide('containers', {
    mysqlUrl: servers.mysqlUrl,
    openSearchUrl: servers.openSearchUrl,
  });
  return () => servers.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared servers, when TEST_CONTAINERS=1. */
    containers: { mysqlUrl: string; openSearchUrl: string } | undefined;
  }
}
