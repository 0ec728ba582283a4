/** What one stream measured. */
export interface StreamResult {
  route: string;
  /** Response times in ms, in arrival order (autocannon's, from the request's send). */
  latenciesMs: number[];
  /** When each response arrived, in ms since the start, in the same order. */
  arrivalsMs: number[];
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Responses by second since the start, and those answered 200. */
  perSecond: number[];
  okPerSecond: number[];
  errors: number;
  timeouts: number;
  /** Seconds autocannon ran this stream. */
  durationS: number;
  /**
   * Answers 400 `authorization_pending` of a device-code poll: the protocol's "not yet",
   * expected while the user signs in, not a failure. Login polls only.
   */
  authorizationPending?: number;
}

/** A stream's result before its first response. */
export function emptyStreamResult(route: string): StreamResult {
  return {
    route,
    latenciesMs: [],
    arrivalsMs: [],
    statuses: {},
    perSecond: [],
    okPerSecond: [],
    errors: 0,
    timeouts: 0,
    durationS: 0,
  };
}
