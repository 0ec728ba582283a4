import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { settleHandlersOnClose } from './settle-handlers.ts';

/** A promise and the function that resolves it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('settleHandlersOnClose', () => {
  it('closes the databases only after a handler whose client gave up has finished', async () => {
    const app = Fastify();
    let databaseOpen = true;
    app.addHook('onClose', async () => {
      databaseOpen = false;
    });
    settleHandlersOnClose(app, 60_000);
    // Runs first when closing (last registered): lets the handler go on from there, so it
    // finishes during the close, after the databases' hook without the wait.
    const release = gate();
    app.addHook('onClose', async () => {
      setImmediate(release.open);
    });
    const started = gate();
    const clientGone = gate();
    let sawDatabase: boolean | undefined;
    app.get('/slow', async (request) => {
      request.raw.socket.once('close', clientGone.open);
      started.open();
      await release.opened;
      sawDatabase = databaseOpen;
      return { ok: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };

    const abort = new AbortController();
    const request = fetch(`http://127.0.0.1:${port}/slow`, { signal: abort.signal }).catch(
      (error: unknown) => error,
    );
    await started.opened;
    abort.abort();
    await request;
    await clientGone.opened;
    await app.close();

    expect(sawDatabase).toBe(true);
    expect(databaseOpen).toBe(false);
  });

  it('closes at once when no handler runs', async () => {
    const app = Fastify();
    settleHandlersOnClose(app, 60_000);
    app.get('/', async () => ({ ok: true }));
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    await app.close();
  });
});
