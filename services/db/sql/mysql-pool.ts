import type {
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryResult,
  MysqlStreamOptions,
  MysqlStream,
} from 'kysely';
import type { Pool, PoolConnection, QueryValues } from 'mysql2';
import { DatabaseUnavailableError } from '../../core/index.ts';

/**
 * Errors that say the server is out of reach rather than that the statement was wrong.
 * mysql2 marks connection-level failures `fatal`; the server codes are those it sends while
 * going away or when it has no room for another client.
 */
const UNAVAILABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection lost',
  ETIMEDOUT: 'no answer to the connection',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'host name not resolved',
  PROTOCOL_CONNECTION_LOST: 'connection lost',
  ER_SERVER_SHUTDOWN: 'server shutting down',
  ER_CONNECTION_KILLED: 'connection killed',
  ER_CON_COUNT_ERROR: 'too many connections',
  ER_CLIENT_INTERACTION_TIMEOUT: 'connection closed by the server',
};

/** Why `error` makes the DB unavailable, or undefined when it is an ordinary SQL error. */
export function unavailableReason(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { code, fatal, message } = error as { code?: unknown; fatal?: unknown; message?: unknown };
  if (typeof code === 'string' && code in UNAVAILABLE_CODES) return UNAVAILABLE_CODES[code];
  if (fatal === true) return typeof message === 'string' ? message : 'connection lost';
  return undefined;
}

/**
 * The pool Kysely sees for one DB: every wait it can make is bounded by `timeoutMs`, and a
 * failure to reach the server becomes a DatabaseUnavailableError naming the DB (a 503).
 *
 * mysql2 alone does not bound them all: `connectTimeout` covers the handshake only, a
 * request queued behind busy connections waits without limit, and its query `timeout`
 * answers the caller but leaves the connection in the pool with the late reply still due.
 * So:
 *  1. getConnection gives up after `timeoutMs`; a connection that arrives later goes back.
 *  2. A statement without an answer after `timeoutMs` destroys its connection (mysql2 then
 *     drops it from the pool), so a silent or paused server costs one connection per caller,
 *     never a wedged pool; the server rolls back its open transaction when it sees the close.
 *  3. A connection that failed is destroyed too, and refuses further statements at once, so
 *     Kysely's rollback after a failure in a transaction does not wait a second time (nor
 *     hide the failure: the rollback is answered as done, the server does it on the close).
 * `end` does nothing: the pool belongs to the connection that opened it, and several DBs
 * share it.
 */
export function guardedPool(pool: Pool, dbName: string, timeoutMs: number): MysqlPool {
  const wrappers = new WeakMap<PoolConnection, MysqlPoolConnection>();
  const unavailable = (reason: string) => new DatabaseUnavailableError(dbName, reason);
  const seconds = `${timeoutMs / 1000} s`;
  const translate = (error: unknown): unknown => {
    const reason = unavailableReason(error);
    return reason === undefined ? error : unavailable(reason);
  };

  const wrap = (raw: PoolConnection): MysqlPoolConnection => {
    let wrapper = wrappers.get(raw);
    if (wrapper !== undefined) return wrapper;
    let isBroken = false;
    const breakConnection = () => {
      isBroken = true;
      raw.destroy();
    };
    const query = (
      sql: string,
      parameters: unknown,
      callback?: (error: unknown, result: MysqlQueryResult) => void,
    ) => {
      // Kysely only streams through the returned object, and gridbox does not stream.
      if (callback === undefined)
        return raw.query(sql, parameters as QueryValues) as unknown as {
          stream: (options: MysqlStreamOptions) => MysqlStream;
        };
      if (isBroken) {
        // The server rolls back what a closed connection left open; answering Kysely's
        // rollback as done lets the statement's own failure, the useful one, reach the caller.
        const answer = /^rollback$/i.test(sql)
          ? () => callback(null, { affectedRows: 0, changedRows: 0, insertId: 0 })
          : () => callback(unavailable('connection lost'), []);
        queueMicrotask(answer);
        return undefined as never;
      }
      let isSettled = false;
      const timer = setTimeout(() => {
        isSettled = true;
        breakConnection();
        callback(unavailable(`no answer within ${seconds}`), []);
      }, timeoutMs);
      raw.query(sql, parameters as QueryValues, (error, result) => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        if (error !== null) {
          if (unavailableReason(error) !== undefined) breakConnection();
          callback(translate(error), []);
        } else callback(null, result as MysqlQueryResult);
      });
      return undefined as never;
    };
    wrapper = Object.assign(Object.create(raw) as MysqlPoolConnection, {
      query,
      release: () => raw.release(),
      destroy: () => raw.destroy(),
    });
    wrappers.set(raw, wrapper);
    return wrapper;
  };

  return {
    getConnection(callback) {
      let isSettled = false;
      const timer = setTimeout(() => {
        isSettled = true;
        callback(unavailable(`no connection within ${seconds}`), undefined as never);
      }, timeoutMs);
      pool.getConnection((error, raw) => {
        if (isSettled) {
          raw?.release();
          return;
        }
        isSettled = true;
        clearTimeout(timer);
        if (error !== null) callback(translate(error), undefined as never);
        else callback(null, wrap(raw));
      });
    },
    end: (callback) => callback(null),
  };
}
