CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`identifier` text NOT NULL,
	`name` text NOT NULL,
	`regions` text DEFAULT '[]' NOT NULL,
	`environment` text NOT NULL,
	`criticality` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`provider_id`) REFERENCES `cloud_providers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "accounts_environment" CHECK("accounts"."environment" IN ('prod', 'staging', 'dev')),
	CONSTRAINT "accounts_criticality" CHECK("accounts"."criticality" IN ('high', 'medium', 'low'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_provider_identifier` ON `accounts` (`tenant_id`,`provider_id`,`identifier`);--> statement-breakpoint
CREATE INDEX `accounts_tenant_idx` ON `accounts` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `api_deprecation_impacts` (
	`tenant_id` text NOT NULL,
	`deprecation_id` text NOT NULL,
	`detection_id` text NOT NULL,
	`account_id` text NOT NULL,
	`impact` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	PRIMARY KEY(`deprecation_id`, `detection_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deprecation_id`) REFERENCES `api_deprecations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`detection_id`) REFERENCES `detections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "api_deprecation_impacts_impact" CHECK("api_deprecation_impacts"."impact" IN ('high', 'medium', 'low'))
);
--> statement-breakpoint
CREATE INDEX `api_deprecation_impacts_account` ON `api_deprecation_impacts` (`account_id`);--> statement-breakpoint
CREATE TABLE `api_deprecations` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` text,
	`api_name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`deprecated_at` text,
	`removal_date` text,
	`replacement` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `cloud_providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_deprecations_name` ON `api_deprecations` (`provider_id`,`api_name`);--> statement-breakpoint
CREATE TABLE `cloud_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `coverage_gaps` (
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`technique_id` text NOT NULL,
	`risk_score` real NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`first_identified_at` text NOT NULL,
	`resolved_at` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `technique_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "coverage_gaps_status" CHECK("coverage_gaps"."status" IN ('open', 'acknowledged', 'remediated', 'accepted_risk'))
);
--> statement-breakpoint
CREATE INDEX `coverage_gaps_rank` ON `coverage_gaps` (`account_id`,`status`,`risk_score`);--> statement-breakpoint
CREATE TABLE `coverage_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`snapshot_id` text,
	`attack_version` text NOT NULL,
	`covered` integer NOT NULL,
	`total` integer NOT NULL,
	`percent` real NOT NULL,
	`by_tactic` text NOT NULL,
	`computed_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`snapshot_id`) REFERENCES `scan_snapshots`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `coverage_history_account` ON `coverage_history` (`account_id`,`computed_at`);--> statement-breakpoint
CREATE TABLE `coverage_overlaps` (
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`technique_id` text NOT NULL,
	`detection_count` integer NOT NULL,
	`kind` text NOT NULL,
	`detection_ids` text NOT NULL,
	`computed_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `technique_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "coverage_overlaps_kind" CHECK("coverage_overlaps"."kind" IN ('beneficial', 'excessive'))
);
--> statement-breakpoint
CREATE TABLE `coverage_scores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`attack_version` text NOT NULL,
	`tactic_id` text NOT NULL,
	`covered` integer NOT NULL,
	`total` integer NOT NULL,
	`percent` real NOT NULL,
	`computed_at` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "coverage_scores_percent" CHECK("coverage_scores"."percent" BETWEEN 0 AND 100)
);
--> statement-breakpoint
CREATE INDEX `coverage_scores_account_time` ON `coverage_scores` (`account_id`,`computed_at`,`tactic_id`);--> statement-breakpoint
CREATE TABLE `detection_health` (
	`detection_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`status` text DEFAULT 'unknown' NOT NULL,
	`last_validated_at` text,
	`last_triggered_at` text,
	`issues` text DEFAULT '[]' NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`detection_id`) REFERENCES `detections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "detection_health_status" CHECK("detection_health"."status" IN ('healthy', 'degraded', 'broken', 'unknown'))
);
--> statement-breakpoint
CREATE INDEX `detection_health_account` ON `detection_health` (`account_id`,`status`);--> statement-breakpoint
CREATE TABLE `detection_logic` (
	`detection_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`entities` text DEFAULT '[]' NOT NULL,
	`conditions` text DEFAULT '[]' NOT NULL,
	`logsource` text DEFAULT '{}' NOT NULL,
	`severity` text,
	`parser_version` text NOT NULL,
	`parse_confidence` real NOT NULL,
	FOREIGN KEY (`detection_id`) REFERENCES `detections`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `detection_mappings` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`detection_id` text NOT NULL,
	`technique_id` text NOT NULL,
	`confidence` real NOT NULL,
	`method` text NOT NULL,
	`validation` text DEFAULT 'pending' NOT NULL,
	`rationale` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`detection_id`) REFERENCES `detections`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "detection_mappings_method" CHECK("detection_mappings"."method" IN ('manual', 'tag', 'pattern_match', 'nlp')),
	CONSTRAINT "detection_mappings_validation" CHECK("detection_mappings"."validation" IN ('pending', 'validated', 'disputed')),
	CONSTRAINT "detection_mappings_confidence" CHECK("detection_mappings"."confidence" BETWEEN 0 AND 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `detection_mappings_pair` ON `detection_mappings` (`detection_id`,`technique_id`);--> statement-breakpoint
CREATE INDEX `detection_mappings_account_technique` ON `detection_mappings` (`account_id`,`technique_id`);--> statement-breakpoint
CREATE INDEX `detection_mappings_account_validation` ON `detection_mappings` (`account_id`,`validation`,`method`);--> statement-breakpoint
CREATE TABLE `detection_services` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`provider_id` text,
	FOREIGN KEY (`provider_id`) REFERENCES `cloud_providers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `detection_services_name` ON `detection_services` (`name`);--> statement-breakpoint
CREATE TABLE `detection_types` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `detection_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`detection_id` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`raw_config` text NOT NULL,
	`content_hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`detection_id`) REFERENCES `detections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `detection_versions_version` ON `detection_versions` (`detection_id`,`version`);--> statement-breakpoint
CREATE TABLE `detections` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`detection_type` text NOT NULL,
	`service_id` integer,
	`source_rule_id` text NOT NULL,
	`path` text,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`owner` text,
	`severity` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`raw_config` text NOT NULL,
	`content_hash` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`previous_version_id` integer,
	`removed_at` text,
	`last_scan_id` text,
	`discovered_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`modified_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`source_modified` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`detection_type`) REFERENCES `detection_types`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`service_id`) REFERENCES `detection_services`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "detections_status" CHECK("detections"."status" IN ('enabled', 'disabled', 'deprecated')),
	CONSTRAINT "detections_version" CHECK("detections"."version" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `detections_source_rule` ON `detections` (`account_id`,`detection_type`,`source_rule_id`);--> statement-breakpoint
CREATE INDEX `detections_account_status` ON `detections` (`account_id`,`status`);--> statement-breakpoint
CREATE INDEX `detections_tenant_idx` ON `detections` (`tenant_id`,`account_id`);--> statement-breakpoint
CREATE TABLE `scan_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`account_id` text NOT NULL,
	`format` text NOT NULL,
	`files` integer DEFAULT 0 NOT NULL,
	`added` integer DEFAULT 0 NOT NULL,
	`modified` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`removed` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`errors` text DEFAULT '[]' NOT NULL,
	`completed_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `scan_snapshots_account_idx` ON `scan_snapshots` (`account_id`,`created_at`);
--> statement-breakpoint
-- Reference data.
INSERT INTO `cloud_providers` (`id`, `name`) VALUES ('aws', 'Amazon Web Services'), ('azure', 'Microsoft Azure'), ('gcp', 'Google Cloud'), ('on_prem', 'On-premises'), ('saas', 'SaaS'), ('other', 'Other');
--> statement-breakpoint
INSERT INTO `detection_types` (`id`, `name`, `description`) VALUES
	('sigma', 'Sigma', 'Sigma rules (YAML), SigmaHQ format'),
	('splunk', 'Splunk', 'Splunk security_content detections (YAML)'),
	('elastic', 'Elastic', 'Elastic detection-rules (TOML)'),
	('cloud_config', 'Cloud configuration', 'Provider-native detections (GuardDuty, Defender, SCC …)'),
	('manual', 'Manual', 'Detections described by hand');
--> statement-breakpoint
-- The latest coverage per account and tactic.
CREATE VIEW `account_coverage_view` AS
SELECT s.`tenant_id`, s.`account_id`, s.`attack_version`, s.`tactic_id`, s.`covered`, s.`total`, s.`percent`, s.`computed_at`
FROM `coverage_scores` s
JOIN (SELECT `account_id`, max(`computed_at`) AS `computed_at` FROM `coverage_scores` GROUP BY `account_id`) l
  ON l.`account_id` = s.`account_id` AND l.`computed_at` = s.`computed_at`;
--> statement-breakpoint
-- Gaps still to be dealt with, riskiest first per account.
CREATE VIEW `current_gaps_view` AS
SELECT `tenant_id`, `account_id`, `technique_id`, `risk_score`, `status`, `first_identified_at`, `updated_at`
FROM `coverage_gaps` WHERE `status` IN ('open', 'acknowledged');
--> statement-breakpoint
-- Detections per health status and account (no health record yet counts as unknown).
CREATE VIEW `health_summary_view` AS
SELECT d.`tenant_id`, d.`account_id`, coalesce(h.`status`, 'unknown') AS `status`, count(*) AS `detections`
FROM `detections` d LEFT JOIN `detection_health` h ON h.`detection_id` = d.`id`
WHERE d.`removed_at` IS NULL
GROUP BY d.`tenant_id`, d.`account_id`, coalesce(h.`status`, 'unknown');
