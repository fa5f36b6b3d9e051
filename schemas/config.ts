// Types of a loaded configuration: the shape of config.schema.json after core/config.ts has
// substituted references and applied the documented defaults (README "Config reference").

export type ProviderKind = 'openai' | 'anthropic' | 'simulated';
export type FailureMode = 'failover' | 'fail_closed';
export type ContentMode = 'full' | 'redacted' | 'hash' | 'none';

export interface ServerConfig {
  readonly listen: string;
  readonly admin_listen: string;
  readonly admin_token: string | undefined;
  readonly body_limit_bytes: number;
  readonly shutdown_grace_ms: number;
  readonly feed_url: string | undefined;
  readonly collector_url: string | undefined;
  /** How long a router keeps using a feed past its ttl before failing safe (no failover). */
  readonly feed_grace_ms: number;
  /** Absent: each router holds its shadow limits alone. */
  readonly shared_limits: SharedLimitsConfig | undefined;
}

/** A Redis that every router's shadow limiters share (README "Shared shadow limits"). */
export interface SharedLimitsConfig {
  /** `redis://` or `rediss://` (TLS), with optional `user:password@` and `/db`. */
  readonly redis_url: string;
  /** Prefix of every key and channel warmpath's limiters use in that Redis. */
  readonly key_prefix: string;
}

export interface StorageConfig {
  /** `embedded:PATH`, `embedded:memory`, or an http(s) URL of a ClickHouse server. */
  readonly clickhouse: string;
  readonly database: string;
  readonly cluster: string | undefined;
  readonly spool_dir: string;
  readonly spool_max_mb: number;
  readonly batch_max_rows: number;
  readonly batch_max_delay_ms: number;
  readonly queue_max_rows: number;
}

export interface TelemetryConfig {
  readonly service_name: string;
  readonly otlp_endpoint: string | undefined;
  readonly log_level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export interface ProviderConfig {
  readonly kind: ProviderKind;
  readonly base_url: string | undefined;
  readonly api_key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly anthropic_version: string;
  readonly max_connections: number;
  readonly seed: number;
}

export interface Price {
  readonly input_per_mtok: number;
  readonly output_per_mtok: number;
}

export interface RoutePolicy {
  readonly region: string;
  readonly retention_days: number;
  readonly logs_prompts: boolean;
  readonly data_classes: readonly string[];
  readonly tools: boolean;
}

export interface LatencyShape {
  readonly median_ms: number;
  readonly p95_ms?: number;
  /** Share of the total latency spent before the first token of a stream. */
  readonly ttft_share?: number;
}

export interface SimulatedBehaviour {
  readonly latency?: LatencyShape;
  readonly error_rate?: number;
  readonly error_status?: number;
  readonly stream_break_rate?: number;
  readonly refusal_rate?: number;
  readonly rename_keys?: Readonly<Record<string, string>>;
  readonly verbosity?: number;
  readonly variability?: number;
}

export interface SimulateConfig extends SimulatedBehaviour {
  /** ISO time from which `drift` overrides the behaviour above. */
  readonly drift_at?: string;
  readonly drift?: SimulatedBehaviour;
}

export interface BreakerConfig {
  readonly failure_threshold: number;
  readonly cooldown_ms: number;
}

export interface RouteConfig {
  readonly name: string;
  readonly provider: string;
  readonly model: string;
  readonly price: Price;
  readonly policy: RoutePolicy;
  readonly breaker: BreakerConfig;
  readonly simulate: SimulateConfig | undefined;
}

export interface RetryConfig {
  /** Total tries on the primary, the first one included. */
  readonly attempts: number;
  /** Per-attempt deadline: the whole answer, or the first chunk of a stream. */
  readonly timeout_ms: number;
  readonly backoff_ms: number;
  /** A Retry-After longer than this skips the remaining primary tries. */
  readonly max_retry_after_ms: number;
}

export interface Requirements {
  readonly regions: readonly string[] | undefined;
  readonly max_retention_days: number | undefined;
  readonly data_class: string | undefined;
  readonly tools: boolean | undefined;
  readonly logs_prompts: boolean | undefined;
}

export interface ShadowConfig {
  readonly sample_rate: number;
  readonly noise_rate: number;
  readonly max_concurrency: number;
  readonly max_rps: number;
  readonly queue_size: number;
  readonly timeout_ms: number;
  /** Daily shadow spend cap in USD; undefined means no cap. */
  readonly daily_budget_usd: number | undefined;
}

/** Optional embeddings measure of the semantic check (README "Embeddings and the LLM judge"). */
export interface ParityEmbeddingsConfig {
  /** A route of an openai-kind (OpenAI-compatible) or simulated provider; its model embeds. */
  readonly route: string;
  /** Fixed cosine threshold while the workload has too few twins scored with embeddings. */
  readonly min_similarity: number;
  /** Texts per embeddings request. */
  readonly batch_size: number;
  readonly max_rps: number;
  readonly max_concurrency: number;
  readonly timeout_ms: number;
}

/** Optional LLM judge of sampled shadow pairs. */
export interface ParityJudgeConfig {
  /** Any chat route; asked whether the shadow's answer is equivalent to the primary's. */
  readonly route: string;
  readonly rubric: string;
  /** Share of scored shadow pairs judged. */
  readonly sample_rate: number;
  /** Most judge calls one evaluation makes; sampled pairs beyond it go unjudged. */
  readonly max_calls_per_run: number;
  readonly max_rps: number;
  readonly max_concurrency: number;
  readonly timeout_ms: number;
}

export interface ParityConfig {
  readonly window_ms: number;
  readonly min_samples: number;
  readonly warm_within_ms: number;
  readonly min_pass_rate: number;
  readonly enter_after: number;
  readonly min_similarity: number;
  readonly length_ratio: { readonly min: number; readonly max: number };
  readonly latency_ratio_max: number;
  readonly ttft_ratio_max: number;
  readonly max_error_rate: number;
  readonly hard_failure_limits: Readonly<Record<string, number>>;
  /** Absent: the embedded similarity only. */
  readonly embeddings?: ParityEmbeddingsConfig;
  /** Absent: no judge. */
  readonly judge?: ParityJudgeConfig;
}

export interface WorkloadStorage {
  readonly content: ContentMode;
  readonly retention_days: number;
}

export interface WorkloadConfig {
  readonly name: string;
  readonly primary: string;
  readonly secondaries: readonly string[];
  readonly on_primary_failure: FailureMode;
  readonly retry: RetryConfig;
  readonly requires: Requirements;
  readonly shadow: ShadowConfig;
  readonly parity: ParityConfig;
  readonly storage: WorkloadStorage;
}

export interface VirtualKey {
  readonly key_sha256: string;
  readonly tenant: string;
  readonly workload: string | undefined;
}

export interface EvaluatorConfig {
  /** Time between evaluations. */
  readonly interval_ms: number;
  /** How long a published feed stays valid without a newer one. */
  readonly feed_ttl_ms: number;
  /** Twin pairs needed before the noise baseline replaces the fixed similarity threshold. */
  readonly min_twins: number;
  readonly max_pairs_per_run: number;
}

export interface AlertsConfig {
  readonly webhook: string | undefined;
}

export interface Config {
  /** Absolute path of the file this was loaded from, for messages. */
  readonly source: string;
  readonly server: ServerConfig;
  readonly storage: StorageConfig;
  readonly telemetry: TelemetryConfig;
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  readonly routes: Readonly<Record<string, RouteConfig>>;
  readonly workloads: Readonly<Record<string, WorkloadConfig>>;
  readonly evaluator: EvaluatorConfig;
  readonly keys: readonly VirtualKey[];
  readonly alerts: AlertsConfig;
}
