-- Which measure a pair's `similarity` is in (`lexical`: the embedded text similarity;
-- `embeddings`: cosine of the workload's embeddings route), and the embedded similarity of
-- every pair whatever the measure, so a lexical noise floor exists for the pairs that fall
-- back to it. Rows written before this migration were all lexical.
ALTER TABLE {{database}}.parity_results {{on_cluster}}
    ADD COLUMN IF NOT EXISTS similarity_source LowCardinality(String) DEFAULT 'lexical' AFTER similarity;
ALTER TABLE {{database}}.parity_results {{on_cluster}}
    ADD COLUMN IF NOT EXISTS lexical_similarity Float64 DEFAULT similarity AFTER similarity_source;
