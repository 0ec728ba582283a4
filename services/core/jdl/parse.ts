import type { JdlRecord, JdlValue } from './ast.ts';

/** A JDL that cannot be read, with where (1-based line and column) and why. */
export class JdlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  readonly offset: number;

  constructor(reason: string, text: string, offset: number) {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    super(`Error in JDL syntax at line ${line}, column ${column}: ${reason}`);
    this.name = 'JdlSyntaxError';
    this.line = line;
    this.column = column;
    this.offset = offset;
  }
}

const NAME = /[A-Za-z_][A-Za-z0-9_.]*/y;
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?=\s*(?:[;,}\]]|\/\/|#|\/\*|$))/y;
/** Deeper nesting than any real job needs; stops a hostile input from exhausting the stack. */
const MAX_DEPTH = 32;

/**
 * Parses a JDL: `[ Name = value; … ]`, the brackets optional at the top (DIRAC adds them),
 * values being "strings", numbers, { lists }, [ records ] or verbatim expressions, with
 * `//`, `#` and `/* *\/` comments. Throws JdlSyntaxError with the position of the problem.
 */
export function parseJdl(text: string): JdlRecord {
  const parser = new Parser(text);
  parser.skipSpace();
  const bracketed = parser.peek() === '[';
  const record = parser.record(bracketed, 0);
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected text after the end of the description');
  return record;
}

class Parser {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  fail(reason: string, at = this.#at): never {
    throw new JdlSyntaxError(reason, this.#text, at);
  }

  atEnd(): boolean {
    return this.#at >= this.#text.length;
  }

  peek(): string {
    return this.#text[this.#at] ?? '';
  }

  skipSpace(): void {
    for (;;) {
      const rest = this.#text.slice(this.#at, this.#at + 2);
      if (/^\s/.test(rest)) this.#at++;
      else if (rest === '//' || rest[0] === '#') {
        const end = this.#text.indexOf('\n', this.#at);
        this.#at = end < 0 ? this.#text.length : end + 1;
      } else if (rest === '/*') {
        const end = this.#text.indexOf('*/', this.#at + 2);
        if (end < 0) this.fail('comment is not closed');
        this.#at = end + 2;
      } else return;
    }
  }

  #expect(char: string, what: string): void {
    this.skipSpace();
    if (this.peek() !== char) this.fail(`expected ${what}`);
    this.#at++;
  }

  record(bracketed: boolean, depth: number): JdlRecord {
    if (depth > MAX_DEPTH) this.fail('records are nested too deeply');
    if (bracketed) this.#expect('[', "'['");
    const attributes: [string, JdlValue][] = [];
    const seen = new Set<string>();
    for (;;) {
      this.skipSpace();
      if (bracketed ? this.peek() === ']' : this.atEnd()) break;
      if (this.atEnd()) this.fail("expected ']'");
      const nameAt = this.#at;
      NAME.lastIndex = this.#at;
      const name = NAME.exec(this.#text)?.[0];
      if (name === undefined) this.fail('expected an attribute name');
      if (seen.has(name)) this.fail(`attribute ${name} is given twice`, nameAt);
      seen.add(name);
      this.#at += name.length;
      this.#expect('=', `'=' after ${name}`);
      attributes.push([name, this.value(depth)]);
      this.skipSpace();
      if (this.peek() === ';') {
        this.#at++;
        continue;
      }
      if (bracketed ? this.peek() === ']' : this.atEnd()) break;
      this.fail(bracketed ? "expected ';' or ']'" : "expected ';'");
    }
    if (bracketed) this.#expect(']', "']'");
    return { attributes };
  }

  value(depth: number): JdlValue {
    this.skipSpace();
    const char = this.peek();
    if (char === '"') return { type: 'string', value: this.#string() };
    if (char === '{') return this.#list(depth);
    if (char === '[') return { type: 'record', record: this.record(true, depth + 1) };
    NUMBER.lastIndex = this.#at;
    const number = NUMBER.exec(this.#text)?.[0];
    if (number !== undefined) {
      this.#at += number.length;
      return { type: 'number', value: Number(number), raw: number };
    }
    return this.#expression();
  }

  // Plain characters are taken a run at a time: a string built one character at a time is
  // a chain of one small string object per character until something flattens it.
  #string(): string {
    const text = this.#text;
    const start = this.#at;
    let value = '';
    let run = start + 1;
    for (let i = run; i < text.length; i++) {
      const char = text[i];
      if (char === '"') {
        this.#at = i + 1;
        return value + text.slice(run, i);
      }
      // A backslash escapes a quote or a backslash; before anything else it is itself.
      const next = text[i + 1];
      if (char === '\\' && (next === '"' || next === '\\')) {
        value += text.slice(run, i) + next;
        run = ++i + 1;
      }
    }
    this.#at = text.length;
    return this.fail('string is not closed', start);
  }

  #list(depth: number): JdlValue {
    if (depth > MAX_DEPTH) this.fail('lists are nested too deeply');
    this.#at++;
    const items: JdlValue[] = [];
    this.skipSpace();
    if (this.peek() === '}') {
      this.#at++;
      return { type: 'list', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      const char = this.peek();
      this.#at++;
      if (char === '}') return { type: 'list', items };
      if (char !== ',') this.fail("expected ',' or '}' in a list", this.#at - 1);
    }
  }

  /** Verbatim text up to a `;`, `]` or `}` outside quotes and brackets. */
  #expression(): JdlValue {
    const start = this.#at;
    let depth = 0;
    while (!this.atEnd()) {
      const char = this.peek();
      if (char === '"') {
        this.#string();
        continue;
      }
      if (char === '(' || char === '[' || char === '{') depth++;
      else if (char === ')' || char === ']' || char === '}') {
        if (depth === 0) break;
        depth--;
      } else if ((char === ';' || char === ',') && depth === 0) break;
      this.#at++;
    }
    const text = this.#text.slice(start, this.#at).trim();
    if (text === '') this.fail('expected a value', start);
    return { type: 'expression', text };
  }
}
