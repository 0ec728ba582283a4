// Prints the CPU time (user + system, independent of the machine's load) that gridbox takes
// to start: `--version`, a usage error, and `up` on the embedded default up to its ready line.
// Issue 19's goals: under 0.3 CPU-s for the first two, under 1 CPU-s for `up`.
// A benchmark, not a test: nothing here asserts on time.
//
//   npm run bench:start [-- --runs N] [-- --bin PATH]
//
// --bin measures another copy, e.g. the packed package installed in a project
// (node_modules/dirac-gridbox/bin/gridbox.js). Linux only (/proc, bash's `times`).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    bin: { type: 'string', default: fileURLToPath(new URL('../bin/gridbox.js', import.meta.url)) },
  },
});
const RUNS = Number(values.runs);
const BIN = values.bin;
const DEADLINE_MS = 120_000;
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds of a command run to its end: bash's `times` reports its children's. */
function cpuOfRun(args: string[]): number {
  const out = execFileSync('bash', ['-c', '"$@" > /dev/null 2>&1; times', 'bash', ...args], {
    encoding: 'utf8',
  });
  // The second line is the children's: "0m0.040s 0m0.020s".
  const seconds = (out.trim().split('\n')[1] ?? '')
    .split(' ')
    .map((t) => /^(\d+)m([\d.]+)s$/.exec(t))
    .map((m) => (m === null ? NaN : Number(m[1]) * 60 + Number(m[2])));
  return seconds.reduce((a, b) => a + b, 0);
}

/** CPU seconds of a running process so far (utime + stime of /proc/PID/stat). */
function cpuSoFar(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** CPU seconds of `gridbox up` from its start to its ready line; the box is then stopped. */
function cpuToReady(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'up', '--json', '--port', '0', '--log-level', 'silent'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.includes('\n')) return;
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      const cpu = cpuSoFar(child.pid!);
      clearTimeout(timer);
      child.on('exit', (code) => (code === 0 ? resolve(cpu) : reject(new Error(`exit ${code}`))));
      child.kill('SIGTERM');
    });
    child.on('error', reject);
  });
}

const measures: Record<string, () => Promise<number> | number> = {
  version: () => cpuOfRun([process.execPath, BIN, '--version']),
  usage_error: () => cpuOfRun([process.execPath, BIN, '--no-such-flag']),
  up_to_ready: cpuToReady,
};
const result: Record<string, unknown> = { benchmark: 'start-cpu', bin: BIN, node: process.version };
for (const [name, measure] of Object.entries(measures)) {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await measure());
  process.stderr.write(`${name}: ${samples.map((s) => s.toFixed(2)).join(' ')} CPU-s\n`);
  result[`${name}_cpu_s`] = samples.map((s) => Number(s.toFixed(2)));
}
process.stdout.write(`${JSON.stringify(result)}\n`);
