import type { JdlRecord, JdlValue } from './ast.ts';

/** Writes a JDL that parseJdl reads back to the same record. */
export function serializeJdl(record: JdlRecord, indent = ''): string {
  const inner = `${indent}    `;
  const lines = record.attributes.map(
    ([name, value]) => `${inner}${name} = ${serializeValue(value, inner)};`,
  );
  return lines.length === 0 ? '[]' : `[\n${lines.join('\n')}\n${indent}]`;
}

function serializeValue(value: JdlValue, indent: string): string {
  switch (value.type) {
    case 'string': {
      // Every job is written three times at submission, and few values hold a quote or a
      // backslash: those are the only ones worth a copy.
      const text = value.value;
      if (!text.includes('"') && !text.includes('\\')) return `"${text}"`;
      return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    }
    case 'number':
      return value.raw;
    case 'list':
      return `{${value.items.map((item) => serializeValue(item, indent)).join(', ')}}`;
    case 'record':
      return serializeJdl(value.record, indent);
    case 'expression':
      return value.text;
  }
}
