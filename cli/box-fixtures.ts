import { stat } from 'node:fs/promises';
import {
  type ExtensionFixtureSet,
  type FixtureSet,
  loadFixtureSet,
  namedFixtureSet,
} from '../fixtures/index.ts';
import type { Settings } from '../services/core/index.ts';

/**
 * The fixtures a box serves, and when they last changed (served as Last-Modified):
 * generated from the seed and the named set (one of gridbox's sizes, or one of
 * `extensionSets`, those of the loaded extensions), or read from --config-file.
 */
export async function boxFixtures(
  settings: Pick<Settings, 'configFile' | 'seed' | 'fixtures'>,
  extensionSets?: ReadonlyMap<string, ExtensionFixtureSet>,
): Promise<{ fixtureSet: FixtureSet; modifiedMs: number }> {
  if (settings.configFile === '') {
    const fixtureSet = namedFixtureSet(settings.fixtures, { seed: settings.seed, extensionSets });
    return { fixtureSet, modifiedMs: Date.parse(fixtureSet.meta.refDate) };
  }
  const fixtureSet = await loadFixtureSet(settings.configFile);
  return { fixtureSet, modifiedMs: (await stat(settings.configFile)).mtimeMs };
}
