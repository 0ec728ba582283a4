import { InvalidRequestError, type JdlRecord, type JdlValue, attribute } from '../../core/index.ts';

/** Attribute names that drive a parametric job, removed from each child. */
const PARAMETER_ATTRIBUTES =
  /^(Parameters|ParameterStart|ParameterStep|ParameterFactor)(\.[A-Za-z0-9_]+)?$/;

export function isParametric(record: JdlRecord): boolean {
  return record.attributes.some(([name]) => name.startsWith('Parameters'));
}

/** One sequence's values: the list given, or N values from Start, Step and Factor. */
function sequenceValues(record: JdlRecord, suffix: string, maxJobs: number): JdlValue[] {
  const spec = attribute(record, `Parameters${suffix}`)!;
  if (spec.type === 'list') {
    if (spec.items.length === 0)
      throw new InvalidRequestError(`Invalid JDL: Parameters${suffix} is empty`);
    return [...spec.items];
  }
  if (spec.type !== 'number' || !Number.isInteger(spec.value) || spec.value <= 0) {
    throw new InvalidRequestError(
      `Invalid JDL: Parameters${suffix} must be a list or a positive integer`,
    );
  }
  // Checked before generating: `Parameters = 10000000` must not allocate ten million values.
  if (spec.value > maxJobs) {
    throw new InvalidRequestError(`Normal user cannot submit more than ${maxJobs} jobs at once`);
  }
  const number = (name: string, fallback: number) => {
    const value = attribute(record, `${name}${suffix}`);
    if (value === undefined) return fallback;
    if (value.type !== 'number')
      throw new InvalidRequestError(`Invalid JDL: ${name}${suffix} must be a number`);
    return value.value;
  };
  const start = number('ParameterStart', 1);
  const step = number('ParameterStep', 0);
  const factor = number('ParameterFactor', 1);
  const values: JdlValue[] = [];
  let current = start;
  for (let i = 0; i < spec.value; i++) {
    values.push({ type: 'number', value: current, raw: String(current) });
    current = current * factor + step;
  }
  return values;
}

const textOf = (value: JdlValue) =>
  value.type === 'string'
    ? value.value
    : value.type === 'number'
      ? value.raw
      : value.type === 'expression'
        ? value.text
        : '';

/**
 * Expands a parametric job into its children as DIRAC does: one child per index, with
 * `%n` (the index, zero-padded), `%s` (the default sequence's value) and `%(name)s` (a named
 * sequence's value) substituted, the Parameter* attributes removed, and `Parameter[.name]`
 * and `ParameterNumber` added. All sequences must have the same length.
 */
export function expandParametric(record: JdlRecord, maxJobs: number): JdlRecord[] {
  const suffixes = record.attributes
    .map(([name]) => /^Parameters(\.[A-Za-z0-9_]+)?$/.exec(name))
    .filter((m) => m !== null)
    .map((m) => m[1] ?? '');
  const sequences = new Map(
    suffixes.map((suffix) => [suffix, sequenceValues(record, suffix, maxJobs)]),
  );
  const lengths = new Set([...sequences.values()].map((values) => values.length));
  if (lengths.size !== 1)
    throw new InvalidRequestError('Invalid JDL: parameter sequences have different lengths');
  const count = [...lengths][0]!;
  if (count > maxJobs)
    throw new InvalidRequestError(`Normal user cannot submit more than ${maxJobs} jobs at once`);
  const width = String(count - 1).length;

  return Array.from({ length: count }, (_, index) => {
    // Every placeholder starts with %: most values have none and are kept as they are.
    const substitute = (text: string) =>
      !text.includes('%')
        ? text
        : text
            .replaceAll('%n', String(index).padStart(width, '0'))
            .replace(/%\(([A-Za-z0-9_]+)\)s/g, (whole, name: string) => {
              const values = sequences.get(`.${name}`);
              return values === undefined ? whole : textOf(values[index]!);
            })
            .replaceAll('%s', sequences.has('') ? textOf(sequences.get('')![index]!) : '%s');
    const visit = (value: JdlValue): JdlValue => {
      if (value.type === 'string') return { type: 'string', value: substitute(value.value) };
      if (value.type === 'list') return { type: 'list', items: value.items.map(visit) };
      return value;
    };
    const attributes: [string, JdlValue][] = record.attributes
      .filter(([name]) => !PARAMETER_ATTRIBUTES.test(name))
      .map(([name, value]) => [name, visit(value)]);
    for (const [suffix, values] of sequences)
      attributes.push([`Parameter${suffix}`, values[index]!]);
    attributes.push(['ParameterNumber', { type: 'number', value: index, raw: String(index) }]);
    return { attributes };
  });
}
