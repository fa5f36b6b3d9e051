-- One verdict per scored pair: a shadow (or noise twin) against its primary. Re-scoring a
-- pair replaces its row (same sorting key, newer evaluated_at), never adds one.
CREATE TABLE IF NOT EXISTS {{database}}.parity_results {{on_cluster}}
(
    record_id String,
    pair_id String,
    kind LowCardinality(String),
    ts DateTime64(3, 'UTC'),
    workload LowCardinality(String),
    route LowCardinality(String),
    primary_route LowCardinality(String),
    pass Bool,
    failing Array(LowCardinality(String)),
    similarity Float64,
    semantic_floor Float64,
    floor_source LowCardinality(String),
    check_names Array(LowCardinality(String)),
    check_scores Array(Float64),
    check_passes Array(Bool),
    check_details Array(String),
    primary_latency_ms Float64,
    shadow_latency_ms Float64,
    primary_ttft_ms Nullable(Float64),
    shadow_ttft_ms Nullable(Float64),
    primary_output_tokens UInt32,
    shadow_output_tokens UInt32,
    primary_excerpt String,
    shadow_excerpt String,
    retention_days UInt16,
    evaluated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{replicated}}ReplacingMergeTree(evaluated_at)
PARTITION BY toDate(ts)
ORDER BY (workload, route, ts, record_id)
TTL toDateTime(ts) + toIntervalDay(retention_days);
