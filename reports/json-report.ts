import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from './model.ts';

/**
 * Writes the report as `<dir>/report.json` (creating `dir`), indented, keys in the order the
 * runner built them, so that two runs diff line by line. Returns the file's path.
 */
export async function writeJsonReport(report: RunReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'report.json');
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}
