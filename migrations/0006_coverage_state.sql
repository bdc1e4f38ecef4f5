ALTER TABLE `accounts` ADD `coverage_attack_version` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `coverage_computed_at` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `coverage_pending_since` text;--> statement-breakpoint
-- What each account's stored coverage was computed under, from its latest history row (the
-- recompute policy reads these columns instead of the history to tell stale coverage).
UPDATE `accounts` SET
	`coverage_attack_version` = (SELECT h.`attack_version` FROM `coverage_history` h WHERE h.`account_id` = `accounts`.`id` ORDER BY h.`id` DESC LIMIT 1),
	`coverage_computed_at` = (SELECT h.`computed_at` FROM `coverage_history` h WHERE h.`account_id` = `accounts`.`id` ORDER BY h.`id` DESC LIMIT 1);
