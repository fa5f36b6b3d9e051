-- The measure an event's noise_floor (and the semantic check behind its verdict) was in:
-- `lexical` or `embeddings`, as the feed's parity.similarity_source. Events stored before
-- this migration did not record it: '' there.
ALTER TABLE {{database}}.eligibility_events {{on_cluster}}
    ADD COLUMN IF NOT EXISTS similarity_source LowCardinality(String) DEFAULT '' AFTER noise_floor;
