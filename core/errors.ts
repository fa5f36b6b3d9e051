// One registry of warmpath's errors, in the manner of fastify's lib/errors.js: a stable
// code, an HTTP status and the OpenAI error `type` it maps to. Tests assert `err.code`.

export const errorCodes = {
  CFG_INVALID: { status: 500, type: 'server_error', message: 'configuration is invalid' },
  CFG_UNREADABLE: { status: 500, type: 'server_error', message: 'configuration file cannot be read' },
  CFG_REFERENCE: { status: 500, type: 'server_error', message: 'configuration reference cannot be resolved' },
  REQ_INVALID: { status: 400, type: 'invalid_request_error', message: 'invalid request' },
  REQ_UNSUPPORTED: { status: 400, type: 'invalid_request_error', message: 'not supported through warmpath' },
  REQ_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', message: 'request body too large' },
  REQ_UNSUPPORTED_MEDIA: { status: 415, type: 'invalid_request_error', message: 'unsupported content type' },
  REQ_NOT_FOUND: { status: 404, type: 'invalid_request_error', message: 'not found' },
  AUTH_MISSING_KEY: { status: 401, type: 'invalid_request_error', message: 'missing API key' },
  AUTH_UNKNOWN_KEY: { status: 401, type: 'invalid_request_error', message: 'unknown API key' },
  AUTH_WORKLOAD_MISMATCH: { status: 403, type: 'invalid_request_error', message: 'key is not allowed on this workload' },
  AUTH_ADMIN_TOKEN: { status: 401, type: 'invalid_request_error', message: 'admin token required' },
  RTR_UNKNOWN_WORKLOAD: { status: 404, type: 'invalid_request_error', message: 'unknown workload' },
  RTR_NO_WORKLOAD: { status: 400, type: 'invalid_request_error', message: 'no workload given' },
  RTR_UPSTREAM_TIMEOUT: { status: 504, type: 'upstream_error', message: 'upstream timed out' },
  RTR_UPSTREAM_UNAVAILABLE: { status: 502, type: 'upstream_error', message: 'upstream unavailable' },
  RTR_UPSTREAM_MALFORMED: { status: 502, type: 'upstream_error', message: 'upstream answer malformed' },
  RTR_UPSTREAM_ERROR: { status: 502, type: 'upstream_error', message: 'upstream error' },
  RTR_BREAKER_OPEN: { status: 503, type: 'upstream_error', message: 'circuit breaker open' },
  RTR_STREAM_TRUNCATED: { status: 502, type: 'upstream_error', message: 'upstream stream ended early' },
  RTR_SHUTTING_DOWN: { status: 503, type: 'server_error', message: 'warmpath is shutting down' },
  RTR_DRILL_INVALID: { status: 400, type: 'invalid_request_error', message: 'invalid drill' },
  RTR_DRILL_ROUTE_NOT_SECONDARY: { status: 400, type: 'invalid_request_error', message: 'drill route is not a secondary of the workload' },
  RTR_DRILL_ROUTE_NOT_CERTIFIED: { status: 409, type: 'invalid_request_error', message: 'drill route is not certified for the workload' },
  RTR_DRILL_NO_SECONDARY: { status: 409, type: 'invalid_request_error', message: 'workload has no certified secondary to drill' },
  RTR_DRILL_FAIL_CLOSED: { status: 409, type: 'invalid_request_error', message: 'workload fails closed: it never fails over, so it has nothing to drill' },
  RTR_DRILL_ACTIVE: { status: 409, type: 'invalid_request_error', message: 'a drill is already active on this workload' },
  RTR_DRILL_NOT_FOUND: { status: 404, type: 'invalid_request_error', message: 'no such drill' },
  RTR_FEED_INVALID: { status: 502, type: 'upstream_error', message: 'eligibility feed refused' },
  RTR_SPEND_UNAVAILABLE: { status: 502, type: 'upstream_error', message: 'stored shadow spend could not be read' },
  COL_INGEST_INVALID: { status: 400, type: 'invalid_request_error', message: 'no exchange record in the body was valid' },
  COL_QUEUE_FULL: { status: 503, type: 'server_error', message: 'collector queue is full, retry later' },
  COL_SPOOL_FULL: { status: 507, type: 'server_error', message: 'collector spool is full' },
  COL_STORAGE_UNAVAILABLE: { status: 503, type: 'server_error', message: 'ClickHouse is unavailable' },
  STO_MIGRATION_FAILED: { status: 500, type: 'server_error', message: 'ClickHouse migration failed' },
  STO_SCHEMA_MISMATCH: { status: 500, type: 'server_error', message: "ClickHouse table does not have the columns warmpath writes" },
  INTERNAL: { status: 500, type: 'server_error', message: 'internal error' },
} as const satisfies Record<string, { status: number; type: string; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

export interface WarmpathErrorOptions {
  readonly cause?: unknown;
  /** The request field the error is about, reported as OpenAI's `param`. */
  readonly param?: string;
  /** Overrides the registry's status, for errors that relay an upstream status as is. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra top-level members of the error body, beside `error` (e.g. ingest line errors). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class WarmpathError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, detail?: string, options: WarmpathErrorOptions = {}) {
    const entry = errorCodes[code];
    super(detail === undefined ? entry.message : `${entry.message}: ${detail}`, { cause: options.cause });
    this.name = 'WarmpathError';
    this.code = code;
    this.status = options.status ?? entry.status;
    this.type = entry.type;
    this.param = options.param;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}

export function isWarmpathError(value: unknown): value is WarmpathError {
  return value instanceof WarmpathError;
}

/** Thrown for every way a config can be wrong; `problems` holds one line per error. */
export class ConfigError extends WarmpathError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], code: 'CFG_INVALID' | 'CFG_UNREADABLE' | 'CFG_REFERENCE' = 'CFG_INVALID') {
    super(code, `\n${problems.join('\n')}`);
    this.problems = problems;
  }
}
