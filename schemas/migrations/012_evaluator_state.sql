-- Small named values the evaluator persists between runs and restarts (its watermark).
CREATE TABLE IF NOT EXISTS {{database}}.evaluator_state {{on_cluster}}
(
    name String,
    value String,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{replicated}}ReplacingMergeTree(updated_at)
ORDER BY name;
