import { SettingsSchema, envName, flagName, type SettingKey } from '../services/core/index.ts';

/**
 * What the CLI needs to declare a setting as an option of `up` and `demo`: its flag, help
 * text, whether it is repeatable and its choices. Derived from SettingsSchema, and written
 * to setting-flags.json by `npm run docs`, so that the CLI can declare its options without
 * loading the schema and its validator (a `--version` or a usage error loads neither).
 * setting-flags.test.ts keeps the file in step with the schema.
 */
export interface SettingFlag {
  readonly key: SettingKey;
  /** Commander's flags: `--port <value>`, or `--tls` for a boolean. */
  readonly flags: string;
  /** The environment variable of the setting (GRIDBOX_PORT). */
  readonly env: string;
  /** The description with the default in words. */
  readonly description: string;
  /** A list setting (--extension): each use of the flag adds one item. */
  readonly repeatable: boolean;
  readonly choices?: readonly string[];
}

export function settingFlags(): SettingFlag[] {
  return (Object.keys(SettingsSchema.properties) as SettingKey[]).map((key) => {
    const schema = SettingsSchema.properties[key] as unknown as {
      description: string;
      default: unknown;
      enum?: string[];
      type?: string;
    };
    // The default is shown in words, not given to commander: a flag's value would then
    // always be set, and outrank the environment.
    const shown = Array.isArray(schema.default)
      ? schema.default.join(',')
      : String(schema.default ?? '');
    const shownDefault = schema.type === 'boolean' ? '' : ` (default: ${shown || 'empty'})`;
    return {
      key,
      flags: schema.type === 'boolean' ? flagName(key) : `${flagName(key)} <value>`,
      env: envName(key),
      description: `${schema.description}${shownDefault}`,
      repeatable: schema.type === 'array',
      ...(schema.enum === undefined ? {} : { choices: schema.enum }),
    };
  });
}
