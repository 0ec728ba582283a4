import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drivePaced } from './paced-driver.ts';

/** A loopback server that notes when each request arrived and answers after `holdMs`. */
async function recordingServer(holdMs: number) {
  const arrivals: number[] = [];
  const server = createServer((request, response) => {
    arrivals.push(performance.now());
    request.resume();
    setTimeout(() => response.end('{}'), holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/jobs/status`, arrivals, server };
}

/** One stream of status reads at `ratePerS`, for a minute at most or `amount` requests. */
async function paced(
  url: string,
  stream: { connections: number; ratePerS: number },
  startedMs: number,
  amount: number,
  onResponse: () => boolean,
) {
  const route = 'GET /api/jobs/status';
  const [result] = await drivePaced(
    [{ route, url, method: 'GET', requests: [{ headers: {} }], ...stream }],
    startedMs,
    startedMs + 60_000,
    amount,
    onResponse,
  );
  return result!;
}

let close: (() => void) | undefined;
afterEach(() => close?.());

describe('drivePaced', () => {
  it('sends no request before it is due, however many connections are free', async () => {
    const { url, arrivals, server } = await recordingServer(0);
    close = () => server.close();
    const startedMs = performance.now();
    const result = await paced(url, { connections: 8, ratePerS: 100 }, startedMs, 20, () => false);
    expect(result.statuses).toEqual({ 200: 20 });
    // Request k is due k × 10 ms after the start; a burst would send all 20 at once.
    arrivals.forEach((atMs, k) => expect(atMs - startedMs).toBeGreaterThanOrEqual(k * 10 - 1));
  });

  it('counts latency from when a request was due, so a server that falls behind shows', async () => {
    // One connection, a request due every 10 ms, each answered after 30 ms at the soonest.
    const { url, server } = await recordingServer(30);
    close = () => server.close();
    const startedMs = performance.now();
    const result = await paced(url, { connections: 1, ratePerS: 100 }, startedMs, 10, () => false);
    expect(result.latenciesMs).toHaveLength(10);
    // The k-th answer comes 30 (k + 1) ms after the start at the soonest, and was due at 10 k:
    // timed from its send, each would look like 30 ms.
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    expect(sorted[9]).toBeGreaterThanOrEqual(30 * 10 - 10 * 9 - 1);
  });

  it('stops when told to by the count of answers', async () => {
    const { url, server } = await recordingServer(0);
    close = () => server.close();
    let answers = 0;
    const startedMs = performance.now();
    const result = await paced(
      url,
      { connections: 1, ratePerS: 50 },
      startedMs,
      Infinity,
      () => ++answers >= 5,
    );
    expect(result.latenciesMs.length).toBeGreaterThanOrEqual(5);
    expect(result.latenciesMs.length).toBeLessThan(3000);
  });
});
