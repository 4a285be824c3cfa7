DROP TABLE `trace_blocks`;--> statement-breakpoint
ALTER TABLE `tenants` ADD `retention_days` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `shard_counts` text DEFAULT '[1]' NOT NULL;--> statement-breakpoint
-- Tenants created before this migration had their traces routed over TRACE_SHARDS = 2 objects.
UPDATE `tenants` SET `shard_counts` = '[2]';
