/**
 * Everything the CLI touches in the outside world, so tests can run `main` in-process with
 * their own streams, environment and stop signal.
 */
export interface Io {
  /** Results only: the ready line, generated files, JSON. */
  readonly stdout: { write(text: string): unknown };
  /** Logs, progress, warnings and errors. */
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stdoutIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves with the signal's name when the process is asked to stop. */
  waitForStop(): Promise<string>;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
    waitForStop: () =>
      new Promise((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve(signal);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }),
  };
}
