ALTER TABLE `api_keys` ADD `spans_per_second` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `spans_per_day` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `plan` text DEFAULT 'free' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `sampling_id` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `sampling` text;--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_sampling_id_unique` ON `tenants` (`sampling_id`);