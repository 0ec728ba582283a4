import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The checkout the package is made from. */
export const REPO = resolve(import.meta.dirname, '..', '..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, bounded by `timeoutMs`; never throws on a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Run> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        done({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        }),
    );
  });
}

export interface Packed {
  /** Path of the tarball. */
  tarball: string;
  /** The files in it, relative to the package's root. */
  files: string[];
}

/**
 * `npm pack` (which builds dist/ first) in a copy of this checkout's files under `scratch`,
 * not in the checkout: tests that pack at the same time do not share one dist/, and the
 * package is made from the sources alone, as a fresh clone would make it. The copy uses
 * the checkout's node_modules (the build needs TypeScript).
 */
export async function packCopy(scratch: string, timeoutMs: number): Promise<Packed> {
  const copy = join(scratch, 'checkout');
  const listed = await run(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: REPO, timeoutMs },
  );
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(REPO, file), join(copy, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: copy,
    // Not the npm test's own lifecycle variables.
    env: Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
    ),
    timeoutMs,
  });
  if (pack.code !== 0) throw new Error(`npm pack failed (${pack.code}): ${pack.stderr}`);
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(scratch, packed!.filename), files: packed!.files.map((f) => f.path) };
}
