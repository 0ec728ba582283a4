import type { Io } from './io.ts';

/**
 * An Io for running `main` in process: it records stdout and stderr, resolves `firstLine`
 * with the first line of stdout (a box's ready line), and `stop(signal)` plays the part of
 * Ctrl-C for a command that serves.
 */
export function recordingIo(env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  let gotLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  let stop: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const io: Io = {
    stdout: {
      write: (text: string) => {
        out += text;
        if (out.includes('\n')) gotLine(out.slice(0, out.indexOf('\n')));
      },
    },
    stderr: { write: (text: string) => (err += text) },
    stdoutIsTTY: false,
    env,
    waitForStop: () => stopped,
  };
  return { io, out: () => out, err: () => err, firstLine, stop };
}
