-- Reverts 0010_analyst_edits.sql: the gap status columns go (and their index first: SQLite does not
-- drop an indexed column); manual matches are deleted (their feedback with them) and `matches` is
-- rebuilt with the methods before, its feedback copied aside across the drop as on the way up.
DROP INDEX IF EXISTS `coverage_gaps_expiry`;
ALTER TABLE `coverage_gaps` DROP COLUMN `status_expires_at`;
ALTER TABLE `coverage_gaps` DROP COLUMN `status_reason`;
ALTER TABLE `coverage_gaps` DROP COLUMN `status_changed_by`;
ALTER TABLE `coverage_gaps` DROP COLUMN `status_changed_at`;
DELETE FROM `matches` WHERE `method` = 'manual';
CREATE TABLE `__keep_match_feedback` AS SELECT * FROM `match_feedback`;
CREATE TABLE `__old_matches` (
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
	CONSTRAINT "matches_method" CHECK("method" IN ('explicit_id', 'name', 'model', 'feedback')),
	CONSTRAINT "matches_confidence" CHECK("confidence" BETWEEN 0 AND 1),
	CONSTRAINT "matches_offsets" CHECK("evidence_start" >= 0 AND "evidence_end" >= "evidence_start")
);
INSERT INTO `__old_matches`("id", "report_id", "tenant_id", "technique_id", "confidence", "method", "evidence_text", "evidence_start", "evidence_end", "evidence", "note", "created_at") SELECT "id", "report_id", "tenant_id", "technique_id", "confidence", "method", "evidence_text", "evidence_start", "evidence_end", "evidence", "note", "created_at" FROM `matches`;
DROP TABLE `matches`;
ALTER TABLE `__old_matches` RENAME TO `matches`;
CREATE INDEX `matches_report_idx` ON `matches` (`report_id`,`confidence`);
CREATE INDEX `matches_technique_idx` ON `matches` (`tenant_id`,`technique_id`);
INSERT INTO `match_feedback` SELECT * FROM `__keep_match_feedback`;
DROP TABLE `__keep_match_feedback`;
