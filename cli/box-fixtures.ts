import { stat } from 'node:fs/promises';
import { type FixtureSet, generateFixtures, loadFixtureSet } from '../fixtures/index.ts';
import type { Settings } from '../services/core/index.ts';

/**
 * The fixtures a box serves, and when they last changed (served as Last-Modified):
 * generated from the seed and size, or read from --config-file.
 */
export async function boxFixtures(
  settings: Pick<Settings, 'configFile' | 'seed' | 'fixtures'>,
): Promise<{ fixtureSet: FixtureSet; modifiedMs: number }> {
  if (settings.configFile === '') {
    const fixtureSet = generateFixtures({ seed: settings.seed, size: settings.fixtures });
    return { fixtureSet, modifiedMs: Date.parse(fixtureSet.meta.refDate) };
  }
  const fixtureSet = await loadFixtureSet(settings.configFile);
  return { fixtureSet, modifiedMs: (await stat(settings.configFile)).mtimeMs };
}
