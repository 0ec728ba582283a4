import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../services/core/index.ts';

interface Entry {
  payload: AdapterPayload;
  expiresAtMs: number;
}

/**
 * oidc-provider's storage, kept on the instance: two identity providers in one process
 * (two boxes in one test) share nothing, unlike the library's module-level default.
 * Clients are stored here too, so the box can register its redirect URIs once it listens.
 */
export function createMemoryAdapter(clock: Clock): {
  adapter: new (model: string) => Adapter;
  clients: Map<string, AdapterPayload>;
} {
  const entries = new Map<string, Entry>();
  const clients = new Map<string, AdapterPayload>();
  const keyOf = (model: string, id: string) => `${model}:${id}`;
  const live = (key: string | undefined) => {
    if (key === undefined) return undefined;
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= clock.nowMs()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  const secondary = new Map<string, string>();

  class MemoryAdapter implements Adapter {
    readonly #model: string;

    constructor(model: string) {
      this.#model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresInS: number): Promise<void> {
      const key = keyOf(this.#model, id);
      entries.set(key, { payload, expiresAtMs: clock.nowMs() + expiresInS * 1000 });
      if (payload.uid !== undefined) secondary.set(`uid:${payload.uid}`, key);
      if (payload.userCode !== undefined) secondary.set(`userCode:${payload.userCode}`, key);
      if (payload.grantId !== undefined) secondary.set(`grant:${payload.grantId}:${key}`, key);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.#model === 'Client') return clients.get(id);
      return live(keyOf(this.#model, id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return live(secondary.get(`uid:${uid}`));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return live(secondary.get(`userCode:${userCode}`));
    }

    async consume(id: string): Promise<void> {
      const payload = live(keyOf(this.#model, id));
      if (payload !== undefined) payload.consumed = Math.floor(clock.nowMs() / 1000);
    }

    async destroy(id: string): Promise<void> {
      entries.delete(keyOf(this.#model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const prefix = `grant:${grantId}:`;
      for (const [index, key] of secondary) {
        if (index.startsWith(prefix)) {
          entries.delete(key);
          secondary.delete(index);
        }
      }
    }
  }

  return { adapter: MemoryAdapter, clients };
}
