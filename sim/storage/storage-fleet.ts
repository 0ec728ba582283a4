import { Agent } from 'undici';
import type { Config } from '../../services/core/index.ts';
import { HttpStorageElement } from './http-storage-element.ts';
import { MemoryStorageElement } from './memory-storage-element.ts';
import type { StorageElement } from './storage-element.ts';
import { type StorageServer, startStorageServer } from './storage-server.ts';

export interface StorageFleetOptions {
  /** memory: files in this process, no sockets (fast mode); http: one loopback server per SE. */
  mode: 'memory' | 'http';
  /** Per-file size limit of every SE. Default 16 MiB. */
  maxFileBytes?: number;
}

export interface StorageFleet {
  /** One per `config.Resources.StorageElements` entry, by SE name. */
  readonly elements: ReadonlyMap<string, StorageElement>;
  /** Stops the servers (http elements then fail with `Unavailable`), frees memory elements' files. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Opens every storage element of a configuration. */
export async function openStorageElements(
  config: Config,
  options: StorageFleetOptions,
): Promise<StorageFleet> {
  const entries = Object.entries(config.Resources.StorageElements);
  if (options.mode === 'memory') {
    const elements = new Map<string, MemoryStorageElement>(
      entries.map(([name, se]) => [
        name,
        new MemoryStorageElement(name, se, { maxFileBytes: options.maxFileBytes }),
      ]),
    );
    return fleet(elements, async () => {
      for (const element of elements.values()) element.close();
    });
  }

  const servers: StorageServer[] = [];
  const closeServers = async () => {
    await Promise.all(servers.map((server) => server.close()));
  };
  try {
    for (const [name, se] of entries) {
      servers.push(
        await startStorageServer({ name, config: se, maxFileBytes: options.maxFileBytes }),
      );
    }
  } catch (error) {
    await closeServers();
    throw error;
  }
  // One pool for the fleet, closed with it, so no keep-alive socket outlives the servers.
  const agent = new Agent();
  const elements = new Map<string, StorageElement>(
    servers.map((server) => [server.name, new HttpStorageElement(server, { dispatcher: agent })]),
  );
  return fleet(elements, async () => {
    await agent.close();
    await closeServers();
  });
}

function fleet(
  elements: ReadonlyMap<string, StorageElement>,
  close: () => Promise<void>,
): StorageFleet {
  return { elements, close, [Symbol.asyncDispose]: close };
}
