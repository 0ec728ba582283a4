/** ASCII punctuation, as Python's `string.punctuation`, which DIRAC strips before comparing. */
const PUNCTUATION = /[!-/:-@[-`{-~]/g;

/**
 * Whether a requirement value means "no restriction": DIRAC's TaskQueueDB lower-cases it
 * and strips punctuation before comparing with `any`, so `ANY`, `Any`, `aNy` and `"any"`
 * all count.
 */
export function isAnyValue(value: string): boolean {
  return value.toLowerCase().replace(PUNCTUATION, '') === 'any';
}
