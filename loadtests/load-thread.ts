// Runs autocannon on a thread of its own, so that the load generator does not share the
// event loop of the server it measures (a pilot is never in the server's process).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

export interface ThreadLoad {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  durationS: number;
  /** One body per connection: connection i sends bodies[i] every time. */
  bodies: readonly string[];
}

// Public in autocannon's API, missing from @types/autocannon 7.
const { aggregateResult } = autocannon as unknown as {
  aggregateResult(results: unknown[], options: autocannon.Options): autocannon.Result;
};

/** What a load run measured; rates over the run's whole duration. */
export interface ThreadLoadResult {
  durationS: number;
  requestsPerS: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/** Fires `load` from a worker thread; resolves with what autocannon measured. */
export function loadFromThread(load: ThreadLoad): Promise<ThreadLoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: load });
    // Off the main thread autocannon answers with encoded histograms, for the caller to
    // aggregate (as its own `workers` mode does); its per-second request samples stay in
    // the thread, so rates are counted over the duration here.
    worker.once('message', (raw: unknown) => {
      const result = aggregateResult([raw], {
        url: load.url,
        connections: load.bodies.length,
      });
      const statuses = Object.fromEntries(
        Object.entries(result.statusCodeStats as Record<string, { count: number }>).map(
          ([code, { count }]) => [code, count],
        ),
      );
      const responses = Object.values(statuses).reduce((sum, n) => sum + n, 0);
      resolve({
        durationS: result.duration,
        requestsPerS: responses / result.duration,
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
        latencyMs: {
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
        },
      });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load thread exited with ${code}`)));
  });
}

if (!isMainThread) {
  const load = workerData as ThreadLoad;
  let connection = 0;
  autocannon(
    {
      url: load.url,
      method: load.method,
      headers: load.headers,
      connections: load.bodies.length,
      duration: load.durationS,
      setupClient: (client) => client.setBody(load.bodies[connection++]!),
    },
    (error, raw) => {
      if (error) throw error;
      parentPort!.postMessage(raw);
    },
  );
}
