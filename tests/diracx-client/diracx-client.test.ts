import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * DiracX's own Python client, `diracx.api` and `dirac` CLI (diracx 0.7.0 from PyPI) against
 * real boxes, over HTTP and over TLS: the pytest suite beside this file. `.ci/run` installs
 * them in `.venv` and points TEST_DIRACX_PYTHON at its interpreter; without the variable the
 * suite is skipped, as the MySQL suites are without TEST_MYSQL_URL.
 */
const python = process.env.TEST_DIRACX_PYTHON;
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
/** Far above what it takes (about 30 s on an idle 2-core machine); the budget is 5 min. */
const RUN_DEADLINE_MS = 300_000;

describe.skipIf(python === undefined)(
  'the DiracX 0.7.0 client against gridbox (skipped without TEST_DIRACX_PYTHON, which .ci/run sets)',
  () => {
    it(
      'passes the pytest conformance suite over HTTP and TLS',
      async () => {
        const interpreter = resolve(root, python!);
        expect(existsSync(interpreter), `TEST_DIRACX_PYTHON=${python} does not exist`).toBe(true);
        const { code, output } = await new Promise<{ code: number | null; output: string }>(
          (done, fail) => {
            let text = '';
            const child = spawn(
              interpreter,
              ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rfE', join(here)],
              {
                cwd: root,
                // No bytecode files in the work tree; the box gets no GRIDBOX_* from here.
                env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
                stdio: ['ignore', 'pipe', 'pipe'],
              },
            );
            const timer = setTimeout(() => child.kill('SIGKILL'), RUN_DEADLINE_MS);
            child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
            child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
            child.on('error', fail);
            child.on('close', (exitCode) => {
              clearTimeout(timer);
              done({ code: exitCode, output: text });
            });
          },
        );
        // pytest's closing line (its count and time) goes into npm test's output.
        const closing = output.trimEnd().split('\n').at(-1) ?? '';
        process.stdout.write(`\ndiracx-client conformance (pytest): ${closing}\n`);
        expect(code, output).toBe(0);
      },
      RUN_DEADLINE_MS + 10_000,
    );
  },
);
