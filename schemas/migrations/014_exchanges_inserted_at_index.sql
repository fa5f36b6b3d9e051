-- The evaluator reads the shadows and twins stored since its last run by insertion time
-- (evaluator/store.ts `candidates`), and inserted_at is not in the sorting key: without an
-- index every run read that column for the whole table. Rows go in in inserted_at order,
-- so a minmax index lets a run skip every granule stored before its watermark: the read
-- grows with what arrived since the last run, not with the table. Parts written before
-- this migration get the index when they merge.
ALTER TABLE {{database}}.exchanges {{on_cluster}}
    ADD INDEX IF NOT EXISTS idx_inserted_at inserted_at TYPE minmax GRANULARITY 1;
