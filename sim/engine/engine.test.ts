import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { EventLog } from './event-log.ts';
import { EventQueue } from './event-queue.ts';
import { spawn } from './process.ts';
import { VirtualClock } from './sim-clock.ts';

describe('EventQueue', () => {
  it('pops by time, and in insertion order among equal times', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const queue = new EventQueue<number>();
        times.forEach((t, i) => queue.push(t, i));
        const popped: [number, number][] = [];
        for (let e = queue.pop(); e !== undefined; e = queue.pop()) popped.push([e.atMs, e.item]);
        const expected = times.map((t, i) => [t, i]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
        expect(popped).toEqual(expected);
      }),
    );
  });
});

describe('Engine and processes', () => {
  it('lets a watcher look before each event, waiting for it, without changing the run', async () => {
    const run = async (watch: boolean) => {
      const engine = new Engine(new VirtualClock(0));
      const trace: string[] = [];
      for (const name of ['a', 'b'])
        spawn(
          engine,
          async (ctx) => {
            for (let step = 0; step < 2; step++) {
              trace.push(`${name}${step}@${ctx.now()}`);
              await ctx.sleep(name === 'a' ? 10 : 15);
            }
          },
          (error) => {
            throw error;
          },
        );
      await engine.run(
        watch
          ? {
              beforeEvent: (atMs) => {
                trace.push(`watch ${atMs} at ${engine.now()}`);
                // A slow look: the next event waits for it.
                return atMs === 10 ? new Promise((resolve) => setTimeout(resolve, 5)) : undefined;
              },
            }
          : {},
      );
      return trace;
    };
    const watched = await run(true);
    expect(watched).toEqual([
      'watch 0 at 0',
      'a0@0',
      'watch 0 at 0',
      'b0@0',
      'watch 10 at 0',
      'a1@10',
      'watch 15 at 10',
      'b1@15',
      'watch 20 at 15',
      'watch 30 at 20',
    ]);
    expect(watched.filter((line) => !line.startsWith('watch'))).toEqual(await run(false));
  });

  it('runs each process alone from one sleep to the next, however slow its calls are', async () => {
    const engine = new Engine(new VirtualClock(0));
    const trace: string[] = [];
    // The first process's "calls" take longer in real time; the order must not care.
    const slowCall = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    for (const [name, delay] of [
      ['a', 5],
      ['b', 0],
    ] as const) {
      spawn(
        engine,
        async (ctx) => {
          for (let step = 0; step < 3; step++) {
            trace.push(`${name}${step}@${ctx.now()}:start`);
            await slowCall(delay);
            trace.push(`${name}${step}@${ctx.now()}:end`);
            await ctx.sleep(10);
          }
        },
        (error) => {
          throw error;
        },
      );
    }
    await engine.run();
    expect(trace).toEqual([
      'a0@0:start',
      'a0@0:end',
      'b0@0:start',
      'b0@0:end',
      'a1@10:start',
      'a1@10:end',
      'b1@10:start',
      'b1@10:end',
      'a2@20:start',
      'a2@20:end',
      'b2@20:start',
      'b2@20:end',
    ]);
    expect(engine.now()).toBe(30);
  });

  it('stops at untilMs and when done() says so', async () => {
    const engine = new Engine(new VirtualClock(0));
    let ticks = 0;
    const tick = () => {
      ticks++;
      engine.after(100, tick);
    };
    engine.at(0, tick);
    await engine.run({ untilMs: 1000 });
    expect(ticks).toBe(11);
    await engine.run({ done: () => ticks === 15 });
    expect(ticks).toBe(15);
  });

  it('hands a process error to its handler and goes on', async () => {
    const engine = new Engine(new VirtualClock(0));
    const errors: unknown[] = [];
    spawn(
      engine,
      async () => {
        throw new Error('boom');
      },
      (error) => errors.push(error),
    );
    let after = false;
    engine.after(5, () => {
      after = true;
    });
    await engine.run();
    expect(errors).toHaveLength(1);
    expect(after).toBe(true);
  });

  it('lets the event loop turn during a run of synchronous events', async () => {
    const engine = new Engine(new VirtualClock(0));
    let events = 0;
    let eventsAtFirstTurn: number | undefined;
    setImmediate(() => {
      eventsAtFirstTurn = events;
    });
    const tick = () => {
      events++;
      if (events < 1000) engine.after(1, tick);
    };
    engine.at(0, tick);
    await engine.run();
    expect(events).toBe(1000);
    expect(eventsAtFirstTurn).toBeGreaterThan(0);
    expect(eventsAtFirstTurn).toBeLessThan(1000);
  });
});

describe('EventLog', () => {
  const write = (events: [number, string, Record<string, number>][]) => {
    const lines: string[] = [];
    const log = new EventLog(1000, (line) => lines.push(line));
    for (const [t, kind, fields] of events) log.record(t, kind, fields);
    return { log, lines };
  };

  it('hashes the lines it wrote, relative to the start', () => {
    const { log, lines } = write([
      [1000, 'job.submitted', { job: 1 }],
      [1500, 'job.matched', { job: 1 }],
    ]);
    expect(lines).toEqual([
      '{"t":0,"kind":"job.submitted","job":1}',
      '{"t":500,"kind":"job.matched","job":1}',
    ]);
    expect(log.counts()).toEqual({ 'job.matched': 1, 'job.submitted': 1 });
    expect(log.hash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same hash for the same events only', () => {
    const a = write([[1000, 'x', { n: 1 }]]).log.hash();
    expect(write([[1000, 'x', { n: 1 }]]).log.hash()).toBe(a);
    expect(write([[1001, 'x', { n: 1 }]]).log.hash()).not.toBe(a);
    expect(write([[1000, 'x', { n: 2 }]]).log.hash()).not.toBe(a);
  });

  it('hashes what an events file holds: each line and its newline, over many batches', () => {
    const events = Array.from(
      { length: 20_000 },
      (_, i) => [1000 + i, 'job.running', { job: i }] as [number, string, Record<string, number>],
    );
    const { log, lines } = write(events);
    const file = lines.map((line) => `${line}\n`).join('');
    expect(file.length).toBeGreaterThan(3 * 256 * 1024);
    expect(log.hash()).toBe(createHash('sha256').update(file).digest('hex'));
  });

  it('takes no event once its hash is out', () => {
    const { log } = write([]);
    log.hash();
    expect(() => log.record(1000, 'late')).toThrow(/closed/);
  });
});
