// Requests at a fixed arrival rate, from the load thread: an open model, as wrk2 runs one.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { ConnectionRequest } from './load-thread.ts';
import { type StreamResult, emptyStreamResult } from './stream-result.ts';

/** One route sent at its own rate. */
export interface PacedStream {
  route: string;
  url: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** Request k sends requests[k % length]. */
  requests: readonly ConnectionRequest[];
  /** Most requests in flight at once: the pool's connections. */
  connections: number;
  ratePerS: number;
}

/** Longest wait for one answer before it counts as a timeout (autocannon's default). */
const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Sends each stream's k-th request when it is due, `k / ratePerS` seconds after `startedMs`
 * (performance.now() ms), on a free connection of the stream's pool, or as soon as one is
 * free. Its latency counts from when it was due, not from when it went, so a server that
 * falls behind shows as latency rather than as fewer requests (no coordinated omission).
 * autocannon's rate is a budget per connection and second, sent as fast as answered at the
 * top of each second: each second began with a burst as wide as the connections, and the
 * latencies measured the queue of that burst rather than the server at the asked rate.
 * Stops sending at `deadlineMs` or once `amount` requests of a stream went; then waits for
 * the answers still due, each at most ANSWER_TIMEOUT_MS.
 */
export async function drivePaced(
  streams: readonly PacedStream[],
  startedMs: number,
  deadlineMs: number,
  amount: number,
  onResponse: () => boolean,
): Promise<StreamResult[]> {
  const results = streams.map((stream) => emptyStreamResult(stream.route));
  const pools = streams.map(
    (stream) =>
      new Pool(new URL(stream.url).origin, {
        connections: stream.connections,
        pipelining: 1,
        headersTimeout: ANSWER_TIMEOUT_MS,
        bodyTimeout: ANSWER_TIMEOUT_MS,
      }),
  );
  const paths = streams.map((stream) => {
    const url = new URL(stream.url);
    return `${url.pathname}${url.search}`;
  });
  const sent = streams.map(() => 0);
  const answers: Promise<void>[] = [];
  let stopped = false;

  const send = (s: number, dueMs: number) => {
    const stream = streams[s]!;
    const result = results[s]!;
    const request = stream.requests[sent[s]! % stream.requests.length]!;
    const answer = pools[s]!.request({
      method: stream.method,
      path: paths[s]!,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    }).then(
      async ({ statusCode, body }) => {
        await body.dump();
        const nowMs = performance.now();
        const atMs = nowMs - startedMs;
        const second = Math.floor(atMs / 1000);
        result.latenciesMs.push(nowMs - dueMs);
        result.arrivalsMs.push(atMs);
        result.statuses[statusCode] = (result.statuses[statusCode] ?? 0) + 1;
        result.perSecond[second] = (result.perSecond[second] ?? 0) + 1;
        if (statusCode === 200) result.okPerSecond[second] = (result.okPerSecond[second] ?? 0) + 1;
        if (onResponse()) stopped = true;
      },
      (error: { code?: string }) => {
        if (error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT')
          result.timeouts++;
        else result.errors++;
      },
    );
    answers.push(answer);
    sent[s]!++;
  };

  const intervals = streams.map((stream) => 1000 / stream.ratePerS);
  const dueOf = (s: number) => startedMs + sent[s]! * intervals[s]!;
  for (;;) {
    const nowMs = performance.now();
    if (stopped || nowMs >= deadlineMs) break;
    let nextMs = deadlineMs;
    for (let s = 0; s < streams.length; s++) {
      while (sent[s]! < amount && dueOf(s) <= nowMs) send(s, dueOf(s));
      if (sent[s]! < amount) nextMs = Math.min(nextMs, dueOf(s));
    }
    if (sent.every((n) => n >= amount)) break;
    await sleep(Math.max(0, nextMs - performance.now()));
  }
  const sendingS = (Math.min(performance.now(), deadlineMs) - startedMs) / 1000;
  await Promise.all(answers);
  await Promise.all(pools.map((pool) => pool.close()));
  for (const result of results) result.durationS = sendingS;
  return results;
}
