import type { FastifyInstance } from 'fastify';

/**
 * Makes closing the app wait for the handlers still running. Fastify runs the onClose hooks
 * once the server's connections have ended, and a client that gave up (a load generator
 * stopped at the end of its run, a pilot killed) ends its connection while the handler
 * still works: the databases were closed under it, and its reply became a 500 "Pool is
 * closed" in the log. Hooks registered after this one run before it (Fastify runs onClose
 * hooks last registered first), so register it after those that close the databases.
 *
 * A handler counts from its preHandler hooks to its onSend hooks, which error replies pass
 * too. The wait is bounded by `graceMs`, so a miscount never holds a shutdown.
 */
export function settleHandlersOnClose(app: FastifyInstance, graceMs: number): void {
  let running = 0;
  let settled: (() => void) | undefined;
  // onSend can run for a request that never reached preHandler (refused by an onRequest hook).
  const counted = new WeakSet<object>();
  app.addHook('preHandler', (request, _reply, done) => {
    running++;
    counted.add(request);
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (counted.delete(request) && --running === 0) settled?.();
    done(null, payload);
  });
  app.addHook('onClose', async () => {
    if (running === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => (settled = resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(timer);
  });
}
