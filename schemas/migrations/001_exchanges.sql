-- One row per exchange: every primary request, shadow call and noise twin (collector/row.ts
-- builds the rows). Column names are what the evaluator and the dashboards query.
--
-- Replays never double count: every sorting-key column comes from the record itself, so a
-- batch inserted twice (a spool replay after a crash mid-insert) collapses to one row per
-- record when parts merge; read with FINAL (or argMax by record_id) for exact counts.
-- Each row lives retention_days (the workload's storage.retention_days) after its ts.
CREATE TABLE IF NOT EXISTS {{database}}.exchanges {{on_cluster}}
(
    record_id String,
    kind LowCardinality(String),
    pair_id String,
    request_id String,
    ts DateTime64(3, 'UTC'),
    tenant LowCardinality(String),
    workload LowCardinality(String),
    feature LowCardinality(String),
    session String,
    route LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    request_model LowCardinality(String),
    stream Bool,
    status UInt16,
    outcome LowCardinality(String),
    error_class LowCardinality(String),
    fallback Bool,
    attempt_routes Array(LowCardinality(String)),
    attempt_statuses Array(UInt16),
    attempt_error_classes Array(LowCardinality(String)),
    attempt_latency_ms Array(Float64),
    latency_ms Float64,
    ttft_ms Nullable(Float64),
    input_tokens UInt32,
    output_tokens UInt32,
    cost_usd Float64,
    finish_reason LowCardinality(String),
    content_mode LowCardinality(String),
    request_json String CODEC(ZSTD(3)),
    response_json String CODEC(ZSTD(3)),
    request_sha256 String,
    response_sha256 String,
    retention_days UInt16,
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3),
    -- The evaluator joins shadows and twins to their primary by pair_id.
    INDEX idx_pair_id pair_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_record_id record_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = {{replicated}}ReplacingMergeTree
PARTITION BY toDate(ts)
ORDER BY (workload, route, ts, record_id)
TTL toDateTime(ts) + toIntervalDay(retention_days);
