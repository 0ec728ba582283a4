import { writeFile } from 'node:fs/promises';
import {
  type FixtureFormat,
  formatForPath,
  namedFixtureSet,
  serializeFixtureSet,
} from '../../fixtures/index.ts';
import { UsageError, parseSetting } from '../../services/core/index.ts';
import type { Io } from '../io.ts';

export interface GenerateFlags {
  seed?: string;
  size?: string;
  out?: string;
  format?: string;
}

/** `gridbox fixtures generate`: write a fixture set (configuration and users) to a file or stdout. */
export async function generate(flags: GenerateFlags, io: Io): Promise<number> {
  const seed = flags.seed === undefined ? 1 : parseSetting('seed', flags.seed, '--seed');
  const size = flags.size === undefined ? 'small' : parseSetting('fixtures', flags.size, '--size');
  const format = parseFormat(flags);
  const text = serializeFixtureSet(namedFixtureSet(size, { seed, flag: '--size' }), format);
  if (flags.out === undefined) {
    io.stdout.write(text);
    return 0;
  }
  try {
    await writeFile(flags.out, text);
  } catch (error) {
    throw new UsageError(
      `Cannot write ${flags.out}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  io.stderr.write(
    `gridbox: wrote ${format.toUpperCase()} fixtures (seed ${seed}, ${size}) to ${flags.out}\n`,
  );
  return 0;
}

function parseFormat({ format, out }: GenerateFlags): FixtureFormat {
  if (format === undefined) return out === undefined ? 'yaml' : formatForPath(out);
  if (format === 'yaml' || format === 'json') return format;
  throw new UsageError(`Invalid value "${format}" for --format: expected yaml or json`);
}
