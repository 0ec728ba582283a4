export { type JdlRecord, type JdlValue, attribute, jdlList, jdlNumber, jdlString } from './ast.ts';
export { JdlSyntaxError, parseJdl } from './parse.ts';
export { serializeJdl } from './serialize.ts';
