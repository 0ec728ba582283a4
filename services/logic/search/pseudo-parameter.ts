import { InvalidRequestError, type SearchSpec } from '../../core/index.ts';

/**
 * DiracX's pseudo-parameters (a job's PilotStamp, a pilot's JobID): a filter on `name` is
 * replaced by an `in` filter on `target` with the ids `resolve` finds for its values. It
 * takes eq or in only, and cannot be combined with a filter on `target` itself.
 */
export async function resolvePseudoParameter(
  filters: readonly SearchSpec[],
  name: string,
  target: string,
  resolve: (values: readonly (string | number)[]) => Promise<readonly (string | number)[]>,
): Promise<SearchSpec[]> {
  const pseudo = filters.filter((f) => f.parameter === name);
  if (pseudo.length === 0) return [...filters];
  if (filters.some((f) => f.parameter === target))
    throw new InvalidRequestError(`${name} cannot be combined with a ${target} filter`);
  const rest = filters.filter((f) => f.parameter !== name);
  for (const filter of pseudo) {
    if (filter.operator !== 'eq' && filter.operator !== 'in')
      throw new InvalidRequestError(`${name} can only be searched with eq or in`);
    const values = 'values' in filter ? filter.values : [filter.value];
    rest.push({ parameter: target, operator: 'in', values: [...(await resolve(values))] });
  }
  return rest;
}
