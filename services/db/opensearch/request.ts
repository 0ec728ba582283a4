import { errors } from '@opensearch-project/opensearch';
import { DatabaseUnavailableError } from '../../core/index.ts';

/** What the client's API methods return: a promise that can also be aborted. */
interface AbortablePromise<T> extends Promise<T> {
  abort(): void;
}

/**
 * Sends one request to an OpenSearch DB's server and waits at most `timeoutMs` in all.
 * The client's own `requestTimeout` only bounds each socket's silence, so a server that
 * trickles bytes could hold a request longer; the deadline here aborts it.
 * An outage (no connection, no answer in time, a 5xx or 429, credentials refused, an
 * unreadable answer, any error answer but 400) becomes a DatabaseUnavailableError naming
 * `dbName`, so the API answers 503 with Retry-After; a 400 (the request itself was refused)
 * is rethrown for the caller to word, as is any status in `passThrough` (a 409 from a
 * conditional write that lost a race, which the caller retries).
 */
export async function requestOpenSearch<T>(
  dbName: string,
  timeoutMs: number,
  send: () => AbortablePromise<T>,
  { passThrough = [] }: { passThrough?: readonly number[] } = {},
): Promise<T> {
  let isTimedOut = false;
  const request = send();
  const timer = setTimeout(() => {
    isTimedOut = true;
    request.abort();
  }, timeoutMs);
  try {
    return await request;
  } catch (error) {
    if (
      !isTimedOut &&
      error instanceof errors.ResponseError &&
      passThrough.includes(error.statusCode)
    )
      throw error;
    throw outageOf(dbName, timeoutMs, error, isTimedOut) ?? error;
  } finally {
    clearTimeout(timer);
  }
}

function outageOf(
  dbName: string,
  timeoutMs: number,
  error: unknown,
  isTimedOut: boolean,
): DatabaseUnavailableError | undefined {
  const unavailable = (reason: string) =>
    new DatabaseUnavailableError(dbName, reason, { cause: error });
  if (isTimedOut || error instanceof errors.TimeoutError)
    return unavailable(`its server did not answer within ${duration(timeoutMs)}`);
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode;
    if (status >= 500 || status === 429) return unavailable(`its server answered ${status}`);
    if (status === 401 || status === 403)
      return unavailable(`its server refused gridbox's credentials (${status})`);
    // 400 is about the request (a value the mapping refuses): the caller words it. Anything
    // else (a conflict past its retries, index creation switched off) is the server's state.
    if (status === 400) return undefined;
    return unavailable(`its server answered ${status} (${openSearchReason(error)})`);
  }
  if (
    error instanceof errors.ConnectionError ||
    error instanceof errors.NoLivingConnectionsError ||
    error instanceof errors.RequestAbortedError
  )
    return unavailable('cannot connect to its server');
  if (error instanceof errors.DeserializationError)
    return unavailable('its server sent an answer that is not JSON');
  return undefined;
}

/** OpenSearch's own one-line reason for refusing a request. */
export function openSearchReason(error: InstanceType<typeof errors.ResponseError>): string {
  const body = error.body as { error?: { reason?: unknown; type?: unknown } } | undefined;
  const reason = body?.error?.reason ?? body?.error?.type;
  return typeof reason === 'string' ? reason : `status ${error.statusCode}`;
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
