import type { DiracxClient, TransportCall, TransportRequest } from '../client/index.ts';
import { generateFixtures } from '../fixtures/index.ts';
import {
  type SimClock,
  type SimOptions,
  type SimSummary,
  type Timing,
  openStorageElements,
  runSimulation,
} from '../sim/index.ts';
import { type SimTransport, embeddedTarget } from './sim-target.ts';

/** The grid the simulation tests run on. */
export const fixtureSet = generateFixtures({ seed: 3, size: 'small' });

export type Target = Awaited<ReturnType<typeof embeddedTarget>>;
type Storage = Awaited<ReturnType<typeof openStorageElements>>;

/**
 * A whole run against a box of its own; returns the summary and the event lines. `inspect`
 * looks at the outcome while the box and the storage elements are still up.
 */
export async function simulate(options: {
  seed: number;
  jobs: number;
  transport: SimTransport;
  clock: SimClock;
  storage: 'memory' | 'http';
  timing?: Partial<Timing>;
  ownsServices?: boolean;
  workload?: SimOptions['workload'];
  progress?: SimOptions['progress'];
  /** Stands between the run and the box's client (to watch what the run sends). */
  service?: (client: DiracxClient) => DiracxClient;
  /** Counts the requests of the run by method and path (query string left out). */
  requests?: Map<string, number>;
  inspect?: (run: {
    summary: SimSummary;
    lines: string[];
    target: Target;
    storage: Storage;
  }) => Promise<void>;
}) {
  const target = await embeddedTarget({
    fixtureSet,
    clock: options.clock,
    seed: options.seed,
    transport: options.transport,
  });
  const storage = await openStorageElements(fixtureSet.config, { mode: options.storage });
  const lines: string[] = [];
  const { requests } = options;
  if (requests !== undefined) {
    const counted = (method: string, path: string) => {
      const key = `${method} ${path.split('?')[0]}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
    };
    const { transport } = target.service;
    const inner = {
      call: transport.call?.bind(transport),
      request: transport.request.bind(transport),
    };
    Object.assign(transport, {
      request: (request: TransportRequest) => (
        counted(request.method, request.path),
        inner.request(request)
      ),
      ...(inner.call === undefined
        ? {}
        : { call: (call: TransportCall) => (counted(call.method, call.path), inner.call!(call)) }),
    });
  }
  try {
    const summary = await runSimulation({
      service: options.service?.(target.service) ?? target.service,
      credentials: target.credentials,
      config: fixtureSet.config,
      owners: target.owners,
      storage: storage.elements,
      clock: options.clock,
      seed: options.seed,
      jobs: options.jobs,
      timing: options.timing ?? {},
      ownsServices: options.ownsServices ?? false,
      ...(options.workload === undefined ? {} : { workload: options.workload }),
      ...(options.progress === undefined ? {} : { progress: options.progress }),
      sink: (line) => lines.push(line),
    });
    await options.inspect?.({ summary, lines, target, storage });
    return { summary, lines };
  } finally {
    await storage.close();
    await target.close();
  }
}
