import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.venv/**'],
    // Subprocess tests start the real CLI; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    retry: 0,
    // The MariaDB and OpenSearch containers of a run, when TEST_CONTAINERS=1.
    globalSetup: ['./tests/containers.global-setup.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
