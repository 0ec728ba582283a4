export { type Action, Engine, type RunLimits, loopTurn } from './engine.ts';
export { type EventFields, EventLog, type EventSink } from './event-log.ts';
export { EventQueue } from './event-queue.ts';
export { type ProcessContext, spawn } from './process.ts';
export { FastRealTimeClock, RealTimeClock, type SimClock, VirtualClock } from './sim-clock.ts';
