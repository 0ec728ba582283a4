import { type Socket, connect, createServer } from 'node:net';

// Test support: the request a paused server keeps in its socket buffers and applies when it
// resumes, after its client gave up on it.

export interface StallingProxy extends AsyncDisposable {
  /** The `host:port` to connect to instead of the target's. */
  readonly address: string;
  /**
   * Keeps back the next request whose first bytes satisfy `isStalled`, and everything sent
   * after it on its connection, even once its client has closed the connection.
   */
  stallNext(isStalled: (head: string) => boolean): void;
  /**
   * Delivers what was kept back to the target and resolves with the status line of its
   * answer: the late request has then been applied, or refused.
   */
  release(): Promise<string>;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 (a free port) to `target` (`host:port`), forwarding at first. */
export async function startStallingProxy(target: string): Promise<StallingProxy> {
  const [host, port] = splitAddress(target);
  let isStalled: ((head: string) => boolean) | undefined;
  let stalled: { upstream: Socket; chunks: Buffer[] } | undefined;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };

  const server = createServer((client) => {
    const upstream = connect(port, host);
    track(client);
    track(upstream);
    let held: Buffer[] | undefined;
    client.on('data', (chunk: Buffer) => {
      if (held === undefined && isStalled?.(chunk.toString('latin1')) === true) {
        isStalled = undefined;
        held = [];
        stalled = { upstream, chunks: held };
      }
      if (held === undefined) upstream.write(chunk);
      else held.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (held === undefined) client.write(chunk);
    });
    // A stalled connection's upstream outlives its client, as the server's buffers do.
    client.on('close', () => {
      if (held === undefined) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyPort = (server.address() as { port: number }).port;

  const release = async (): Promise<string> => {
    if (stalled === undefined) throw new Error('no request was stalled');
    const { upstream, chunks } = stalled;
    stalled = undefined;
    const answered = new Promise<string>((resolve, reject) => {
      upstream.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1').split('\r\n')[0]!));
      upstream.once('close', () => reject(new Error('the target closed without answering')));
    });
    for (const chunk of chunks) upstream.write(chunk);
    try {
      return await answered;
    } finally {
      upstream.destroy();
    }
  };
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    address: `127.0.0.1:${proxyPort}`,
    stallNext: (predicate) => {
      isStalled = predicate;
    },
    release,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function splitAddress(address: string): [string, number] {
  const url = new URL(address.includes('://') ? address : `http://${address}`);
  return [url.hostname, Number(url.port)];
}
