import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `gridbox --version`, `--help` and a usage error answer from the command's declaration
 * alone: no command module, no service, no schema library is loaded for them (they took a
 * second of CPU when everything was imported up front). Observed by a module hook that lists
 * every module the real process loads.
 */

const BIN = fileURLToPath(new URL('../bin/gridbox.js', import.meta.url));
const LIST_LOADED = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(loaded) + '\\n'));
`;

function loadedBy(args: string[]): { status: number | null; loaded: string[] } {
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(LIST_LOADED)}`, BIN, ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const line = result.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  expect(line, result.stderr).toBeDefined();
  return { status: result.status, loaded: JSON.parse(line!.slice('LOADED '.length)) as string[] };
}

describe('what the gridbox command loads', () => {
  it.each([
    { args: ['--version'], status: 0 },
    { args: ['up', '--help'], status: 0 },
    { args: ['--no-such-flag'], status: 2 },
    { args: ['up', '--port'], status: 2 },
  ])('$args loads no command, service or schema library', ({ args, status }) => {
    const { status: actual, loaded } = loadedBy(args);
    expect(actual).toBe(status);
    expect(loaded.some((url) => url.endsWith('/cli/main.ts'))).toBe(true);
    const heavy = loaded.filter((url) =>
      /\/cli\/commands\/|\/services\/(?!core\/errors\.ts)|\/fixtures\/(?!sizes\.ts)|\/node_modules\/(typebox|fastify|@faker-js|kysely|oidc-provider)\//.test(
        url,
      ),
    );
    expect(heavy).toEqual([]);
  });
});
