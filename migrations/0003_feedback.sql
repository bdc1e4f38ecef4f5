CREATE TABLE `match_feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`report_id` text NOT NULL,
	`match_id` text NOT NULL,
	`verdict` text NOT NULL,
	`correct_technique_id` text,
	`comment` text,
	`key_prefix` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`match_id`) REFERENCES `matches`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "match_feedback_verdict" CHECK("match_feedback"."verdict" IN ('accept', 'reject'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `match_feedback_match` ON `match_feedback` (`tenant_id`,`match_id`);--> statement-breakpoint
CREATE INDEX `match_feedback_report` ON `match_feedback` (`tenant_id`,`report_id`);