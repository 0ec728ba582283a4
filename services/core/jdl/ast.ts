/**
 * A JDL (DIRAC's ClassAd-style job description) as data. Attribute order is kept, so a
 * description reads back the way it was written.
 */
export type JdlValue =
  | { readonly type: 'string'; readonly value: string }
  | {
      readonly type: 'number';
      readonly value: number;
      /** As written: 10, 1.5, 2e3. */ readonly raw: string;
    }
  | { readonly type: 'list'; readonly items: readonly JdlValue[] }
  | { readonly type: 'record'; readonly record: JdlRecord }
  /** Anything else up to the next `;`: booleans, legacy ClassAd expressions. Kept verbatim. */
  | { readonly type: 'expression'; readonly text: string };

export interface JdlRecord {
  readonly attributes: readonly (readonly [name: string, value: JdlValue])[];
}

export const jdlString = (value: string): JdlValue => ({ type: 'string', value });
export const jdlNumber = (value: number): JdlValue => ({
  type: 'number',
  value,
  raw: String(value),
});
export const jdlList = (items: readonly JdlValue[]): JdlValue => ({ type: 'list', items });

/** The value of attribute `name`, or undefined. */
export function attribute(record: JdlRecord, name: string): JdlValue | undefined {
  return record.attributes.find(([n]) => n === name)?.[1];
}
