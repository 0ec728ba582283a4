import { type Server, type Socket, connect, createServer } from 'node:net';

// Test support: a database server's outages, staged in front of a healthy one.

/**
 * What the proxy does with connections:
 *  - `forward`: passes bytes both ways, as a healthy network does;
 *  - `hold`: accepts new connections and lets nothing through either way on any connection,
 *    as Docker's port proxy does in front of a paused container;
 *  - `reset`: resets every connection, open or new;
 *  - `refuse`: stops listening, so new connections are refused, and drops the open ones.
 */
export type ProxyMode = 'forward' | 'hold' | 'reset' | 'refuse';

export interface StartedTcpProxy extends AsyncDisposable {
  /** The port on 127.0.0.1 to connect to instead of the target's. */
  readonly port: number;
  setMode(mode: ProxyMode): Promise<void>;
  close(): Promise<void>;
}

/** A proxy on 127.0.0.1 (a free port) to `targetPort` on 127.0.0.1, forwarding at first. */
export async function startTcpProxy(targetPort: number): Promise<StartedTcpProxy> {
  let mode: ProxyMode = 'forward';
  const pairs = new Set<[Socket, Socket | undefined]>();
  const onConnection = (client: Socket) => {
    client.on('error', () => undefined);
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const pair: [Socket, Socket | undefined] = [client, undefined];
    pairs.add(pair);
    client.on('close', () => {
      pairs.delete(pair);
      pair[1]?.destroy();
    });
    if (mode === 'hold') return; // accepted, and never answered
    forward(pair);
  };
  // Joins a client to the target; bytes held back meanwhile flow on, as after SIGCONT.
  const forward = (pair: [Socket, Socket | undefined]) => {
    const [client] = pair;
    let upstream = pair[1];
    if (upstream === undefined) {
      upstream = connect(targetPort, '127.0.0.1');
      pair[1] = upstream;
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    upstream.resume();
  };
  const listen = (server: Server, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  let server = createServer(onConnection);
  await listen(server, 0);
  const port = (server.address() as { port: number }).port;
  const stopListening = () => new Promise<void>((resolve) => server.close(() => resolve()));

  const setMode = async (next: ProxyMode) => {
    const previous = mode;
    mode = next;
    if (next === 'hold')
      for (const [client, upstream] of pairs) {
        // Bytes already sent stay unread on both sides, as in a stopped process's buffers.
        client.unpipe();
        upstream?.unpipe();
        client.pause();
        upstream?.pause();
      }
    if (next === 'reset') for (const [client] of pairs) client.resetAndDestroy();
    if (next === 'forward' && previous === 'hold') for (const pair of pairs) forward(pair);
    if (next === 'refuse')
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream?.destroy();
      }
    if (next === 'refuse' && previous !== 'refuse') await stopListening();
    if (next !== 'refuse' && previous === 'refuse') {
      server = createServer(onConnection);
      await listen(server, port);
    }
  };
  const close = async () => {
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream?.destroy();
    }
    if (mode !== 'refuse') await stopListening();
  };
  return { port, setMode, close, [Symbol.asyncDispose]: close };
}
