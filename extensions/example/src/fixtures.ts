import { type FixtureSetDefinition, generateFixtures } from '../../../fixtures/index.ts';
import type { ExampleSection } from './example-section.ts';

/** What the example turns on in the first VO of its fixture set. */
const EXAMPLE_FIXTURE_SECTION: ExampleSection = {
  BannedExecutables: ['rm'],
  DefaultJobGroup: 'example',
  RecordEndedJobs: true,
};

/**
 * `--fixtures example-small`: gridbox's small set, with the example's section in the first
 * VO's Operations, so that a box started with it shows the example's hooks at work.
 */
export const exampleSmall: FixtureSetDefinition = {
  name: 'example-small',
  description: "gridbox's small set with Operations.<first VO>.Example turning the hooks on",
  generate: (seed) => {
    const set = generateFixtures({ seed, size: 'small' });
    const vo = Object.keys(set.config.Registry)[0]!;
    const operations = { ...set.config.Operations[vo]!, Example: EXAMPLE_FIXTURE_SECTION };
    return {
      ...set,
      config: { ...set.config, Operations: { ...set.config.Operations, [vo]: operations } },
    };
  },
};
