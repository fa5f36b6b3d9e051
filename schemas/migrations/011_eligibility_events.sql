-- Every change of a route's eligibility for a workload, with its reasons and the figures
-- that decided it. The evaluator restores its state from the newest event per route.
CREATE TABLE IF NOT EXISTS {{database}}.eligibility_events {{on_cluster}}
(
    event_id String,
    ts DateTime64(3, 'UTC'),
    workload LowCardinality(String),
    route LowCardinality(String),
    eligible Bool,
    reasons Array(String),
    samples UInt32,
    pass_rate Nullable(Float64),
    lower_bound Nullable(Float64),
    noise_floor Nullable(Float64),
    failing_checks Array(LowCardinality(String))
)
ENGINE = {{replicated}}ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (workload, route, ts, event_id)
TTL toDateTime(ts) + toIntervalDay(400);
