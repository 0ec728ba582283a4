import { InvalidRequestError, type JdlRecord, type JdlValue, attribute } from '../../core/index.ts';

/** Reading typed attributes out of a JDL, refusing wrong types with a 400 that names them. */

function scalarText(value: JdlValue, name: string): string {
  if (value.type === 'string') return value.value;
  if (value.type === 'number') return value.raw;
  if (value.type === 'expression') return value.text;
  throw new InvalidRequestError(`Invalid JDL: ${name} must be a single value`);
}

export function stringOf(record: JdlRecord, name: string): string | undefined {
  const value = attribute(record, name);
  return value === undefined ? undefined : scalarText(value, name);
}

/** A list attribute; a single value counts as a list of one, as DIRAC reads it. */
export function listOf(record: JdlRecord, name: string): string[] | undefined {
  const value = attribute(record, name);
  if (value === undefined) return undefined;
  if (value.type === 'list') return value.items.map((item) => scalarText(item, name));
  return [scalarText(value, name)];
}

export function integerOf(record: JdlRecord, name: string): number | undefined {
  const text = stringOf(record, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value))
    throw new InvalidRequestError(
      `Invalid JDL: ${name} must be an integer, not ${JSON.stringify(text)}`,
    );
  return value;
}

export function booleanOf(record: JdlRecord, name: string): boolean {
  const text = stringOf(record, name);
  return text !== undefined && ['yes', 'true', '1', 'y'].includes(text.toLowerCase());
}
