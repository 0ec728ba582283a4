// Regenerates the reference pages that are derived from code (`npm run docs`).
import { writeFileSync } from 'node:fs';
import { settingsTable } from '../services/core/index.ts';

writeFileSync(new URL('../docs/settings.md', import.meta.url), settingsTable());
