/**
 * The catalogue of errors a gridbox service raises on purpose. Logic throws these; one error
 * handler in the app factory turns them into a status code and `{"detail": message}`.
 * Each has a stable `code`; docs/errors.md publishes the list, and a test keeps both in step.
 */
export class GridboxError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The response body: `{"detail": message}` unless an error needs another shape. */
  readonly body: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    statusCode: number,
    message: string,
    headers: Record<string, string> = {},
    body: Record<string, unknown> = { detail: message },
  ) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.headers = headers;
    this.body = body;
  }
}

/** Clients should retry after this many seconds when a dependency is not available yet. */
export const RETRY_AFTER_S = 10;

export class ConfigNotReadyError extends GridboxError {
  constructor() {
    super('GBX_CONFIG_NOT_READY', 503, 'Configuration is not loaded yet', {
      'Retry-After': String(RETRY_AFTER_S),
    });
  }
}

/**
 * A DB did not answer: its ping failed, or (with `reason`, a short phrase saying what
 * happened without addresses or credentials) a request to its server failed or timed out.
 */
export class DatabaseUnavailableError extends GridboxError {
  constructor(dbName: string, reason?: string, options?: ErrorOptions) {
    super(
      'GBX_DB_UNAVAILABLE',
      503,
      reason === undefined ? `${dbName} ping failed` : `${dbName} is unavailable: ${reason}`,
      { 'Retry-After': String(RETRY_AFTER_S) },
    );
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export class InvalidRequestError extends GridboxError {
  /** `oauthError`, when given, is also sent as `error`, as OAuth clients expect of the token endpoint. */
  constructor(message: string, oauthError?: string) {
    super(
      'GBX_INVALID_REQUEST',
      400,
      message,
      {},
      oauthError === undefined ? { detail: message } : { detail: message, error: oauthError },
    );
  }
}

/**
 * The device-flow poll before the user has signed in: DiracX answers 400 with
 * `{"error": "authorization_pending"}` (no detail), and its client relies on that shape.
 */
export class AuthorizationPendingError extends GridboxError {
  constructor() {
    super(
      'GBX_AUTHORIZATION_PENDING',
      400,
      'authorization_pending',
      {},
      { error: 'authorization_pending' },
    );
  }
}

export class NotFoundError extends GridboxError {
  constructor(message = 'Not Found') {
    super('GBX_NOT_FOUND', 404, message);
  }
}

/** No usable credentials. `challenge` adds `WWW-Authenticate: Bearer`, as DiracX does when the header is missing. */
export class UnauthorizedError extends GridboxError {
  constructor(message = 'Invalid JWT', challenge = false) {
    super('GBX_UNAUTHORIZED', 401, message, challenge ? { 'WWW-Authenticate': 'Bearer' } : {});
  }
}

/** The request would create something that already exists. */
export class ConflictError extends GridboxError {
  constructor(message: string) {
    super('GBX_CONFLICT', 409, message);
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends GridboxError {
  constructor(message = 'Forbidden') {
    super('GBX_FORBIDDEN', 403, message);
  }
}

/** The request carries more bytes than it announced or than gridbox accepts. */
export class PayloadTooLargeError extends GridboxError {
  constructor(message: string) {
    super('GBX_PAYLOAD_TOO_LARGE', 413, message);
  }
}

/** A service gridbox depends on (an identity provider) failed or could not be reached. */
export class BadGatewayError extends GridboxError {
  constructor(message: string) {
    super('GBX_BAD_GATEWAY', 502, message);
  }
}

/** The legacy exchange is switched off (no API key configured), as DiracX answers then. */
export class LegacyExchangeDisabledError extends GridboxError {
  constructor() {
    super('GBX_LEGACY_EXCHANGE_DISABLED', 503, 'Legacy exchange is not enabled');
  }
}

/**
 * An extension's hook failed while serving a request (it threw something other than one of
 * these errors). The message names the extension and the hook, never what it threw, which
 * goes to the log; the request wrote nothing (see docs/extensions.md).
 */
export class ExtensionFailedError extends GridboxError {
  constructor(message: string) {
    super('GBX_EXTENSION_FAILED', 500, message);
  }
}

/** Every HTTP-facing error class, by its stable code. */
export const errorCatalogue = {
  GBX_CONFIG_NOT_READY: { status: 503, type: ConfigNotReadyError },
  GBX_DB_UNAVAILABLE: { status: 503, type: DatabaseUnavailableError },
  GBX_INVALID_REQUEST: { status: 400, type: InvalidRequestError },
  GBX_AUTHORIZATION_PENDING: { status: 400, type: AuthorizationPendingError },
  GBX_NOT_FOUND: { status: 404, type: NotFoundError },
  GBX_UNAUTHORIZED: { status: 401, type: UnauthorizedError },
  GBX_FORBIDDEN: { status: 403, type: ForbiddenError },
  GBX_CONFLICT: { status: 409, type: ConflictError },
  GBX_PAYLOAD_TOO_LARGE: { status: 413, type: PayloadTooLargeError },
  GBX_BAD_GATEWAY: { status: 502, type: BadGatewayError },
  GBX_LEGACY_EXCHANGE_DISABLED: { status: 503, type: LegacyExchangeDisabledError },
  GBX_EXTENSION_FAILED: { status: 500, type: ExtensionFailedError },
} as const;

/**
 * A mistake the person running gridbox made (a bad flag, setting or file). The CLI prints
 * its message as one sentence and exits 2; it never reaches an HTTP client.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
