// Regenerates the files that are derived from code (`npm run docs`): the settings reference
// and the settings' flags the CLI declares without loading the schema.
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { settingFlags } from '../cli/setting-flags.ts';
import { settingsTable } from '../services/core/index.ts';

writeFileSync(new URL('../docs/settings.md', import.meta.url), settingsTable());

const flagsFile = new URL('../cli/setting-flags.json', import.meta.url);
writeFileSync(
  flagsFile,
  await format(JSON.stringify(settingFlags()), {
    ...(await resolveConfig(flagsFile)),
    parser: 'json',
  }),
);
