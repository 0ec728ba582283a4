// Runs autocannon on a thread of its own, so that the load generator does not share the
// event loop of the server it measures (a pilot is never in the server's process).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import { type LoginStream, type LoginTotals, driveLogins } from './login-driver.ts';
import { type PacedStream, drivePaced } from './paced-driver.ts';
import { type StreamResult, emptyStreamResult } from './stream-result.ts';

/** What one connection sends, every time. */
export interface ConnectionRequest {
  headers: Record<string, string>;
  body?: string;
  /**
   * A refresh token the connection rotates: each request sends, in place of
   * `{refresh_token}` in `body`, the refresh token the previous answer gave (DiracX revokes
   * the one sent, so a replayed request would be refused), a chain of its own per
   * connection. A chain ends with its run: the last request may be cut off unanswered.
   */
  rotatingRefreshToken?: string;
}

/** One route under load: its own connections, and its own arrival rate if any. */
export interface LoadStream {
  /** The label results are keyed by ("POST /api/jobs/match"). */
  route: string;
  url: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** One per connection: connection i sends requests[i % length]. */
  requests: readonly ConnectionRequest[];
  connections: number;
  /**
   * Requests per second: sent at that fixed rate by drivePaced, `connections` the most in
   * flight at once. Absent: as fast as answered, each connection waiting for its answer.
   */
  ratePerS?: number;
}

export interface ThreadLoad {
  streams: readonly LoadStream[];
  durationS: number;
  /** Stops every stream once this many responses came back, whatever the time. */
  maxRequests: number;
  /**
   * Exactly this many requests per stream, ended early by `durationS` if slower (a warm-up
   * that must not drain a backlog); autocannon's own stop takes effect only at its next
   * one-second tick, too late for a count.
   */
  amountPerStream?: number;
  /** `dirac login`s, for the whole duration, beside the streams. */
  logins?: LoginStream;
}

/** What the load thread posts back. */
interface WorkerResult {
  durationS: number;
  streams: StreamResult[];
  /** With `logins`: how many were started, completed, failed, and the pending answers. */
  logins: LoginTotals | null;
  /** The thread's own CPU time, user + system, from its start to its result, in ms. */
  generatorCpuMs: number;
}

export interface ThreadLoadResult extends WorkerResult {
  /**
   * CPU time of the whole process, user + system, in ms, from just before the load thread
   * started to when its result arrived: the load thread's lifetime, so that `generatorCpuMs`
   * is the part of it spent generating load and the rest is everyone else's (the server,
   * when it runs in this process).
   */
  processCpuMs: number;
}

/**
 * Fires `load` from a worker thread; resolves with what it measured and the CPU time of the
 * process and of the thread. The thread measures its own CPU (`process.threadCpuUsage`, which
 * counts from the thread's start, so loading autocannon is the generator's too) just before
 * posting its result, then idles until terminated, so the process's figure, read when the
 * result arrives, covers every CPU second the thread spent.
 */
export function loadFromThread(load: ThreadLoad): Promise<ThreadLoadResult> {
  return new Promise((resolve, reject) => {
    const cpuBefore = process.cpuUsage();
    const worker = new Worker(new URL(import.meta.url), { workerData: load });
    worker.once('message', (result: WorkerResult) => {
      const cpu = process.cpuUsage(cpuBefore);
      resolve({ ...result, processCpuMs: (cpu.user + cpu.system) / 1000 });
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load thread exited with ${code}`)));
  });
}

/**
 * One connection's request that carries its refresh token along: autocannon builds each
 * request again (setupRequest) after the previous answer was read (onResponse), and a
 * connection sends one request at a time. The token is kept in this closure, not in
 * autocannon's context, which is reset whenever its list of requests starts over.
 */
function rotatingRequest(
  stream: LoadStream,
  request: ConnectionRequest,
  firstToken: string,
): autocannon.Request {
  let token = firstToken;
  const template = request.body ?? '';
  return {
    method: stream.method,
    headers: request.headers,
    setupRequest: (built) => ({
      ...built,
      body: template.replace('{refresh_token}', encodeURIComponent(token)),
    }),
    onResponse: (status, body) => {
      if (status !== 200) return;
      const next = (JSON.parse(body) as { refresh_token?: unknown }).refresh_token;
      if (typeof next === 'string') token = next;
    },
  };
}

async function runLoad(load: ThreadLoad): Promise<Omit<WorkerResult, 'generatorCpuMs'>> {
  const startedMs = performance.now();
  let responses = 0;
  const instances: autocannon.Instance[] = [];
  const stopAll = () => {
    for (const instance of instances) instance.stop();
  };
  const counted = () => {
    if (++responses < load.maxRequests) return false;
    stopAll();
    return true;
  };
  // A refresh chain needs each answer before its next request: it runs as fast as answered.
  const isPaced = (stream: LoadStream): stream is PacedStream =>
    stream.ratePerS !== undefined &&
    stream.requests.every((request) => request.rotatingRefreshToken === undefined);
  const pacedStreams = load.streams.filter(isPaced);
  const paced =
    pacedStreams.length === 0
      ? undefined
      : drivePaced(
          pacedStreams,
          startedMs,
          startedMs + load.durationS * 1000,
          load.amountPerStream ?? Infinity,
          counted,
        );
  const results = load.streams
    .filter((stream) => !isPaced(stream))
    .map((stream) => {
      const result = emptyStreamResult(stream.route);
      let connection = 0;
      const done = new Promise<void>((resolve, reject) => {
        const instance = autocannon(
          {
            url: stream.url,
            method: stream.method,
            // A count below the connections would leave some without a request, which
            // autocannon refuses: fewer connections then (a warm-up on a tiny backlog).
            connections: Math.min(stream.connections, load.amountPerStream ?? Infinity),
            ...(load.amountPerStream === undefined
              ? { duration: load.durationS }
              : { amount: load.amountPerStream }),
            setupClient: (client) => {
              const request = stream.requests[connection++ % stream.requests.length]!;
              if (request.rotatingRefreshToken !== undefined) {
                client.setRequests([
                  rotatingRequest(stream, request, request.rotatingRefreshToken),
                ]);
                return;
              }
              client.setHeaders(request.headers);
              if (request.body !== undefined) client.setBody(request.body);
            },
          },
          (error, raw) => {
            if (error) reject(error);
            else {
              result.timeouts = raw.timeouts;
              result.durationS = raw.duration;
              resolve();
            }
          },
        );
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          const atMs = performance.now() - startedMs;
          const second = Math.floor(atMs / 1000);
          result.latenciesMs.push(responseTime);
          result.arrivalsMs.push(atMs);
          result.statuses[statusCode] = (result.statuses[statusCode] ?? 0) + 1;
          result.perSecond[second] = (result.perSecond[second] ?? 0) + 1;
          if (statusCode === 200)
            result.okPerSecond[second] = (result.okPerSecond[second] ?? 0) + 1;
          counted();
        });
        instance.on('reqError', () => result.errors++);
        instances.push(instance);
      });
      return { result, done };
    });
  const logins =
    load.logins === undefined
      ? undefined
      : driveLogins(load.logins, startedMs, startedMs + load.durationS * 1000, counted);
  const timer =
    load.amountPerStream === undefined ? undefined : setTimeout(stopAll, load.durationS * 1000);
  await Promise.all(results.map(({ done }) => done));
  clearTimeout(timer);
  const pacedResults = (await paced) ?? [];
  const loginResults = await logins;
  const streams = [
    ...results.map(({ result }) => result),
    ...pacedResults,
    ...(loginResults?.routes ?? []),
  ];
  const wallS = (performance.now() - startedMs) / 1000;
  // autocannon's own measure of each run; the wall time also counts closing the sockets.
  const durationS = Math.max(...streams.map((result) => result.durationS)) || wallS;
  // Whole seconds only: the tail of a last, partial second would plot as a drop.
  const seconds = Math.max(1, Math.floor(wallS));
  for (const result of streams)
    for (const series of [result.perSecond, result.okPerSecond]) {
      for (let s = 0; s < seconds; s++) series[s] ??= 0;
      series.length = seconds;
    }
  return { durationS, streams, logins: loginResults?.totals ?? null };
}

if (!isMainThread) {
  runLoad(workerData as ThreadLoad).then(
    (result) => {
      const own = process.threadCpuUsage();
      const message: WorkerResult = { ...result, generatorCpuMs: (own.user + own.system) / 1000 };
      parentPort!.postMessage(message);
      // Idle, not exiting, until the main thread has read the process's CPU time.
      parentPort!.on('message', () => undefined);
    },
    (error: unknown) => {
      throw error;
    },
  );
}
