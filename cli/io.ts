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
  /**
   * Resolves with the signal's name when the process is asked to stop. Call it before
   * starting anything, so that no signal can slip in before it listens.
   */
  waitForStop(): Promise<string>;
}

/**
 * The real process. Signal handlers are installed on the first call to waitForStop; a
 * command that serves calls it before it starts anything, so a SIGTERM sent the moment the
 * ready line appears is never met by Node's default action (exit without cleanup).
 * A second signal while stopping forces the exit.
 */
export function processIo(): Io {
  let stopped: Promise<string> | undefined;
  const waitForStop = () =>
    (stopped ??= new Promise<string>((resolve) => {
      let stopping = false;
      const onSignal = (signal: string) => {
        if (stopping) {
          process.stderr.write(`gridbox: ${signal} again, exiting without cleanup.\n`);
          process.exit(1);
        }
        stopping = true;
        resolve(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }));
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY: process.stdout.isTTY === true,
    env: process.env,
    waitForStop,
  };
}
