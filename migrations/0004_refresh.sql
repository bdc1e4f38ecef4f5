CREATE TABLE `attack_changes` (
	`from_version` text NOT NULL,
	`to_version` text NOT NULL,
	`changes` text NOT NULL,
	`computed_at` text NOT NULL,
	PRIMARY KEY(`from_version`, `to_version`),
	FOREIGN KEY (`from_version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	FOREIGN KEY (`to_version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `reports` ADD `root_report_id` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `previous_report_id` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `version_number` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `reports` ADD `latest` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `reports` ADD `changes` text;--> statement-breakpoint
CREATE INDEX `reports_root_idx` ON `reports` (`tenant_id`,`root_report_id`);--> statement-breakpoint
-- Hand-written instead of drizzle-kit's table rebuild (its copy selected a column that did not exist
-- yet, and D1 does not allow PRAGMA foreign_keys): SQLite adds a column with its own CHECK in place.
ALTER TABLE `api_keys` ADD `role` text DEFAULT 'member' NOT NULL CONSTRAINT "api_keys_role" CHECK(`role` IN ('member', 'admin'));
