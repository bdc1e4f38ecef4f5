CREATE TABLE `analysis_model_chunks` (
	`model_id` text NOT NULL,
	`seq` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`model_id`, `seq`),
	FOREIGN KEY (`model_id`) REFERENCES `analysis_models`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `analysis_models` (
	`id` text PRIMARY KEY NOT NULL,
	`attack_version` text NOT NULL,
	`format` text NOT NULL,
	`sha256` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`chunk_count` integer NOT NULL,
	`info` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`attack_version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "analysis_models_chunks" CHECK("analysis_models"."chunk_count" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analysis_models_sha256_unique` ON `analysis_models` (`sha256`);--> statement-breakpoint
CREATE INDEX `analysis_models_version_idx` ON `analysis_models` (`attack_version`,`created_at`);--> statement-breakpoint
CREATE TABLE `report_documents` (
	`report_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`report_id`, `seq`),
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`tenant_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`workflow_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`tenant_id`, `delivery_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_time` ON `webhook_deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_secrets` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `reports` ADD `char_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `reports_workflow_idx` ON `reports` (`workflow_id`);--> statement-breakpoint
ALTER TABLE `workflows` ADD `report_id` text;