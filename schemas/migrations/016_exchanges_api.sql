-- Which API the client called (`chat_completions`, `responses`, `messages`; shadows and
-- twins carry their primary's), so traffic and parity can be read per client API. Rows
-- stored before this migration, and records from gateways that do not say, have ''.
ALTER TABLE {{database}}.exchanges {{on_cluster}}
    ADD COLUMN IF NOT EXISTS api LowCardinality(String) DEFAULT '' AFTER request_model;
