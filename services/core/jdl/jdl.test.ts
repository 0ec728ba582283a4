import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JdlRecord, JdlValue } from './ast.ts';
import { JdlSyntaxError, parseJdl } from './parse.ts';
import { serializeJdl } from './serialize.ts';

const str = (value: string): JdlValue => ({ type: 'string', value });
const num = (raw: string): JdlValue => ({ type: 'number', value: Number(raw), raw });
const list = (...items: JdlValue[]): JdlValue => ({ type: 'list', items });
const rec = (...attributes: [string, JdlValue][]): JdlRecord => ({ attributes });

const valid: [string, string, JdlRecord][] = [
  [
    'a typical user job',
    `[ Executable = "run.sh"; Arguments = "-n 10";
       InputSandbox = {"run.sh"}; OutputSandbox = {"std.out","std.err","out.root"};
       CPUTime = 3600; Site = {"LCG.CERN.cern", "LCG.CNAF.it"}; Priority = 5; ]`,
    rec(
      ['Executable', str('run.sh')],
      ['Arguments', str('-n 10')],
      ['InputSandbox', list(str('run.sh'))],
      ['OutputSandbox', list(str('std.out'), str('std.err'), str('out.root'))],
      ['CPUTime', num('3600')],
      ['Site', list(str('LCG.CERN.cern'), str('LCG.CNAF.it'))],
      ['Priority', num('5')],
    ),
  ],
  [
    'no brackets, no final semicolon',
    'Executable = "x"; CPUTime = 100',
    rec(['Executable', str('x')], ['CPUTime', num('100')]),
  ],
  ['an empty description', '[]', rec()],
  [
    'comments of three kinds',
    '[\n // a comment\n Executable = "x"; # another\n /* and\n a block */ JobName = "y";\n]',
    rec(['Executable', str('x')], ['JobName', str('y')]),
  ],
  [
    'escaped quotes and backslashes',
    '[ Arguments = "say \\"hi\\" \\\\ bye"; ]',
    rec(['Arguments', str('say "hi" \\ bye')]),
  ],
  [
    'a backslash before anything else, a lone escaped backslash and an empty string',
    '[ A = "C:\\dir\\x"; B = "\\\\"; C = ""; D = "\\"" ]',
    rec(['A', str('C:\\dir\\x')], ['B', str('\\')], ['C', str('')], ['D', str('"')]),
  ],
  [
    'numbers of every shape',
    '[ A = -1; B = 2.5; C = 3e2; D = .5 ]',
    rec(['A', num('-1')], ['B', num('2.5')], ['C', num('3e2')], ['D', num('.5')]),
  ],
  ['an empty list', '[ InputData = {}; ]', rec(['InputData', list()])],
  [
    'named parameter sequences',
    '[ Parameters.A = {1, 2}; ]',
    rec(['Parameters.A', list(num('1'), num('2'))]),
  ],
  [
    'a nested record',
    '[ JobRequirements = [ CPUTime = 100; Sites = {"A"} ]; ]',
    rec([
      'JobRequirements',
      { type: 'record', record: rec(['CPUTime', num('100')], ['Sites', list(str('A'))]) },
    ]),
  ],
  [
    'legacy expressions, kept verbatim',
    '[ Requirements = other.Site == "LCG.CERN.cern" && true; Flag = true ]',
    rec(
      ['Requirements', { type: 'expression', text: 'other.Site == "LCG.CERN.cern" && true' }],
      ['Flag', { type: 'expression', text: 'true' }],
    ),
  ],
];

const invalid: [string, string, number, number, RegExp][] = [
  ['an unclosed record', '[ Executable = "x";', 1, 20, /expected '\]'/],
  ['an unclosed string', '[ Executable = "x; ]', 1, 16, /string is not closed/],
  ['a missing value', '[ Executable = ; ]', 1, 16, /expected a value/],
  ['a missing equals sign', '[\n  Executable "x" ]', 2, 14, /expected '=' after Executable/],
  ['list items without commas', '[ Site = {"A" "B"}; ]', 1, 15, /expected ',' or '}' in a list/],
  ['an attribute given twice', '[ A = 1; A = 2 ]', 1, 10, /attribute A is given twice/],
  ['text after the end', '[ A = 1 ] B = 2', 1, 11, /unexpected text after the end/],
  ['a name that is not one', '[ 1A = 2 ]', 1, 3, /expected an attribute name/],
  ['an unclosed comment', '[ A = 1; /* ', 1, 10, /comment is not closed/],
  ['two values in a row', '[ A = "x" "y" ]', 1, 11, /expected ';' or '\]'/],
];

describe('parseJdl', () => {
  it.each(valid)('reads %s', (_name, text, expected) => {
    expect(parseJdl(text)).toEqual(expected);
  });

  it.each(invalid)('refuses %s, saying where', (_name, text, line, column, reason) => {
    let error: unknown;
    try {
      parseJdl(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JdlSyntaxError);
    expect(error).toMatchObject({ line, column });
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toMatch(
      new RegExp(`^Error in JDL syntax at line ${line}, column ${column}: `),
    );
  });

  it('refuses nesting deep enough to exhaust the stack', () => {
    expect(() => parseJdl(`[ A = ${'{'.repeat(10_000)} ]`)).toThrow(/nested too deeply/);
  });
});

// Generators for the round-trip property.
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,12}$/);
const scalar: fc.Arbitrary<JdlValue> = fc.oneof(
  fc
    .string({ unit: 'grapheme', maxLength: 20 })
    .map((value) => ({ type: 'string' as const, value })),
  fc
    .integer({ min: -1e9, max: 1e9 })
    .filter((n) => !Object.is(n, -0))
    .map((n) => num(String(n))),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .filter((n) => !Object.is(n, -0))
    .map((n) => num(String(n))),
  fc
    .constantFrom('true', 'false', 'other.Site == "X"')
    .map((text) => ({ type: 'expression' as const, text })),
);
const { value: arbitraryValue } = fc.letrec<{ value: JdlValue; record: JdlRecord }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }).map((items) => ({ type: 'list' as const, items })),
    tie('record').map((record) => ({ type: 'record' as const, record })),
  ),
  record: fc
    .uniqueArray(fc.tuple(name, tie('value')), { maxLength: 5, selector: ([n]) => n })
    .map((attributes) => ({ attributes })),
}));
const arbitraryRecord = fc
  .uniqueArray(fc.tuple(name, arbitraryValue), { maxLength: 8, selector: ([n]) => n })
  .map((attributes): JdlRecord => ({ attributes }));

describe('serializeJdl', () => {
  it.each([
    ['plain', 'lb-run.sh', '"lb-run.sh"'],
    ['a quote', 'say "hi"', '"say \\"hi\\""'],
    ['a backslash', 'C:\\dir', '"C:\\\\dir"'],
    ['both', '\\"', '"\\\\\\""'],
    ['nothing', '', '""'],
  ])('writes a string with %s escaped as JDL reads it', (_name, value, written) => {
    const record: JdlRecord = { attributes: [['A', { type: 'string', value }]] };
    expect(serializeJdl(record)).toBe(`[\n    A = ${written};\n]`);
    expect(parseJdl(serializeJdl(record))).toEqual(record);
  });

  it('writes what parseJdl reads back identically, for any description', () => {
    fc.assert(
      fc.property(arbitraryRecord, (record) => {
        expect(parseJdl(serializeJdl(record))).toEqual(record);
      }),
      { numRuns: 2000 },
    );
  });

  it('never fails on arbitrary text with anything but a JdlSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseJdl(text);
        } catch (error) {
          expect(error).toBeInstanceOf(JdlSyntaxError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
