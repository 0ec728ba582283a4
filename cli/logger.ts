import { pino, type Logger } from 'pino';
import type { Settings } from '../services/core/index.ts';
import type { Io } from './io.ts';

/** Logs go to stderr: pretty for a person at a terminal, JSON lines for anything else. */
export async function createLogger(level: Settings['logLevel'], io: Io): Promise<Logger> {
  if (io.stderr.isTTY === true) {
    const { default: pretty } = await import('pino-pretty');
    return pino({ level }, pretty({ destination: 2, sync: true }));
  }
  return pino({ level }, { write: (line: string) => io.stderr.write(line) });
}
