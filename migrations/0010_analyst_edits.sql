-- Analyst edits. 1) Matches an analyst adds (method `manual`): SQLite cannot alter a CHECK, so
-- `matches` is rebuilt. Dropping it cascades to match_feedback (D1 keeps foreign keys on), so the
-- feedback is copied aside first and put back once the new table has the old name.
CREATE TABLE `__keep_match_feedback` AS SELECT * FROM `match_feedback`;--> statement-breakpoint
CREATE TABLE `__new_matches` (
	`id` text PRIMARY KEY NOT NULL,
	`report_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`technique_id` text NOT NULL,
	`confidence` real NOT NULL,
	`method` text NOT NULL,
	`evidence_text` text NOT NULL,
	`evidence_start` integer NOT NULL,
	`evidence_end` integer NOT NULL,
	`evidence` text,
	`note` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "matches_method" CHECK("method" IN ('explicit_id', 'name', 'model', 'feedback', 'manual')),
	CONSTRAINT "matches_confidence" CHECK("confidence" BETWEEN 0 AND 1),
	CONSTRAINT "matches_offsets" CHECK("evidence_start" >= 0 AND "evidence_end" >= "evidence_start")
);
--> statement-breakpoint
INSERT INTO `__new_matches`("id", "report_id", "tenant_id", "technique_id", "confidence", "method", "evidence_text", "evidence_start", "evidence_end", "evidence", "note", "created_at") SELECT "id", "report_id", "tenant_id", "technique_id", "confidence", "method", "evidence_text", "evidence_start", "evidence_end", "evidence", "note", "created_at" FROM `matches`;--> statement-breakpoint
DROP TABLE `matches`;--> statement-breakpoint
ALTER TABLE `__new_matches` RENAME TO `matches`;--> statement-breakpoint
CREATE INDEX `matches_report_idx` ON `matches` (`report_id`,`confidence`);--> statement-breakpoint
CREATE INDEX `matches_technique_idx` ON `matches` (`tenant_id`,`technique_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `matches_manual_technique` ON `matches` (`report_id`,`technique_id`) WHERE method = 'manual';--> statement-breakpoint
INSERT INTO `match_feedback` SELECT * FROM `__keep_match_feedback`;--> statement-breakpoint
DROP TABLE `__keep_match_feedback`;--> statement-breakpoint
-- 2) Gap status set by people: who, when, why, and when an accepted risk expires (the cron reopens it).
ALTER TABLE `coverage_gaps` ADD `status_changed_at` text;--> statement-breakpoint
ALTER TABLE `coverage_gaps` ADD `status_changed_by` text;--> statement-breakpoint
ALTER TABLE `coverage_gaps` ADD `status_reason` text;--> statement-breakpoint
ALTER TABLE `coverage_gaps` ADD `status_expires_at` text;--> statement-breakpoint
CREATE INDEX `coverage_gaps_expiry` ON `coverage_gaps` (`status_expires_at`) WHERE status_expires_at IS NOT NULL;--> statement-breakpoint
-- Until now the recompute marked covered gaps `remediated` by itself; now a covered technique is no
-- gap at all and `remediated` is what an analyst says, so those automatic rows go.
DELETE FROM `coverage_gaps` WHERE `status` = 'remediated';
