import { type AddressInfo, createServer } from 'node:net';

// Test support: ports on loopback.

/**
 * A port of 127.0.0.1 that nothing listens on right now (taken and released): for a server a
 * test starts on a known port, or for a connection that must be refused.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
