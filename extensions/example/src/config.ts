import type { OperationsSection } from '../../../services/app/index.ts';
import { ExampleSectionSchema } from './example-section.ts';

/** The configuration section the example adds: `Operations.<vo>.Example`. */
export const exampleSection: OperationsSection = { name: 'Example', schema: ExampleSectionSchema };
