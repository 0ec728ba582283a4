// Measures how long `gridbox up` takes from process start to its ready line on the
// embedded default, the figure CI users wait for. Usage: npm run bench:boot [-- RUNS]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gridbox.js', import.meta.url));
const RUNS = Number(process.argv[2] ?? 10);
const DEADLINE_MS = 30_000;

function bootOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [
      BIN,
      'up',
      '--json',
      '--port',
      '0',
      '--log-level',
      'silent',
    ]);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    let stdout = '';
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      child.stdout.off('data', onData);
      const elapsedMs = performance.now() - started;
      clearTimeout(timer);
      child.on('exit', (code) =>
        code === 0 ? resolve(elapsedMs) : reject(new Error(`exit ${code}`)),
      );
      child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
  });
}

const samples: number[] = [];
for (let i = 1; i <= RUNS; i++) {
  samples.push(await bootOnce());
  process.stderr.write(`boot ${i}/${RUNS}: ${samples.at(-1)!.toFixed(0)} ms\n`);
}
samples.sort((a, b) => a - b);
const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
const result = {
  benchmark: 'boot-to-ready',
  profile: 'embedded',
  runs: RUNS,
  node: process.version,
  min_ms: Math.round(samples[0]!),
  median_ms: Math.round(at(0.5)),
  p90_ms: Math.round(at(0.9)),
  max_ms: Math.round(samples.at(-1)!),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
