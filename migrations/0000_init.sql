CREATE TABLE `attack_analytics` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	`platforms` text DEFAULT '[]' NOT NULL,
	`log_sources` text DEFAULT '[]' NOT NULL,
	`mutable_elements` text DEFAULT '[]' NOT NULL,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_analytics_revoked_bool" CHECK("attack_analytics"."revoked" IN (0, 1)),
	CONSTRAINT "attack_analytics_deprecated_bool" CHECK("attack_analytics"."deprecated" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_analytics_attack_id` ON `attack_analytics` (`version`,`attack_id`);--> statement-breakpoint
CREATE TABLE `attack_campaigns` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	`aliases` text DEFAULT '[]' NOT NULL,
	`first_seen` text,
	`last_seen` text,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_campaigns_revoked_bool" CHECK("attack_campaigns"."revoked" IN (0, 1)),
	CONSTRAINT "attack_campaigns_deprecated_bool" CHECK("attack_campaigns"."deprecated" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_campaigns_attack_id` ON `attack_campaigns` (`version`,`attack_id`);--> statement-breakpoint
CREATE TABLE `attack_detection_strategies` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_detection_strategies_revoked_bool" CHECK("attack_detection_strategies"."revoked" IN (0, 1)),
	CONSTRAINT "attack_detection_strategies_deprecated_bool" CHECK("attack_detection_strategies"."deprecated" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_detection_strategies_attack_id` ON `attack_detection_strategies` (`version`,`attack_id`);--> statement-breakpoint
CREATE TABLE `attack_groups` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	`aliases` text DEFAULT '[]' NOT NULL,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_groups_revoked_bool" CHECK("attack_groups"."revoked" IN (0, 1)),
	CONSTRAINT "attack_groups_deprecated_bool" CHECK("attack_groups"."deprecated" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_groups_attack_id` ON `attack_groups` (`version`,`attack_id`);--> statement-breakpoint
CREATE TABLE `attack_mitigations` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_mitigations_revoked_bool" CHECK("attack_mitigations"."revoked" IN (0, 1)),
	CONSTRAINT "attack_mitigations_deprecated_bool" CHECK("attack_mitigations"."deprecated" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_mitigations_attack_id` ON `attack_mitigations` (`version`,`attack_id`);--> statement-breakpoint
CREATE TABLE `attack_procedures` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`source_ref` text NOT NULL,
	`source_type` text NOT NULL,
	`technique_ref` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`modified` text,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_procedures_source_type" CHECK("attack_procedures"."source_type" IN ('group', 'software', 'campaign'))
);
--> statement-breakpoint
CREATE INDEX `attack_procedures_technique` ON `attack_procedures` (`version`,`technique_ref`);--> statement-breakpoint
CREATE INDEX `attack_procedures_source` ON `attack_procedures` (`version`,`source_ref`);--> statement-breakpoint
CREATE TABLE `attack_relationships` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`relationship_type` text NOT NULL,
	`source_ref` text NOT NULL,
	`target_ref` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`modified` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `attack_relationships_source` ON `attack_relationships` (`version`,`source_ref`,`relationship_type`);--> statement-breakpoint
CREATE INDEX `attack_relationships_target` ON `attack_relationships` (`version`,`target_ref`,`relationship_type`);--> statement-breakpoint
CREATE TABLE `attack_software` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	`software_type` text NOT NULL,
	`aliases` text DEFAULT '[]' NOT NULL,
	`platforms` text DEFAULT '[]' NOT NULL,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_software_revoked_bool" CHECK("attack_software"."revoked" IN (0, 1)),
	CONSTRAINT "attack_software_deprecated_bool" CHECK("attack_software"."deprecated" IN (0, 1)),
	CONSTRAINT "attack_software_type" CHECK("attack_software"."software_type" IN ('malware', 'tool'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_software_attack_id` ON `attack_software` (`version`,`attack_id`);--> statement-breakpoint
CREATE TABLE `attack_strategy_analytics` (
	`version` text NOT NULL,
	`strategy_stix_id` text NOT NULL,
	`analytic_stix_id` text NOT NULL,
	`ordinal` integer NOT NULL,
	PRIMARY KEY(`version`, `strategy_stix_id`, `analytic_stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `attack_tactics` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	`shortname` text NOT NULL,
	`ordinal` integer,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_tactics_revoked_bool" CHECK("attack_tactics"."revoked" IN (0, 1)),
	CONSTRAINT "attack_tactics_deprecated_bool" CHECK("attack_tactics"."deprecated" IN (0, 1))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_tactics_attack_id` ON `attack_tactics` (`version`,`attack_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `attack_tactics_shortname` ON `attack_tactics` (`version`,`shortname`);--> statement-breakpoint
CREATE TABLE `attack_technique_tactics` (
	`version` text NOT NULL,
	`technique_stix_id` text NOT NULL,
	`tactic_shortname` text NOT NULL,
	PRIMARY KEY(`version`, `technique_stix_id`, `tactic_shortname`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `attack_technique_tactics_tactic` ON `attack_technique_tactics` (`version`,`tactic_shortname`);--> statement-breakpoint
CREATE TABLE `attack_techniques` (
	`version` text NOT NULL,
	`stix_id` text NOT NULL,
	`attack_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`created` text,
	`modified` text,
	`object_version` text,
	`revoked` integer DEFAULT false NOT NULL,
	`deprecated` integer DEFAULT false NOT NULL,
	`is_subtechnique` integer DEFAULT false NOT NULL,
	`parent_id` text,
	`platforms` text DEFAULT '[]' NOT NULL,
	`detection` text,
	`revoked_by` text,
	PRIMARY KEY(`version`, `stix_id`),
	FOREIGN KEY (`version`) REFERENCES `attack_versions`(`version`) ON UPDATE cascade ON DELETE cascade,
	CONSTRAINT "attack_techniques_revoked_bool" CHECK("attack_techniques"."revoked" IN (0, 1)),
	CONSTRAINT "attack_techniques_deprecated_bool" CHECK("attack_techniques"."deprecated" IN (0, 1)),
	CONSTRAINT "attack_techniques_sub_bool" CHECK("attack_techniques"."is_subtechnique" IN (0, 1)),
	CONSTRAINT "attack_techniques_sub_parent" CHECK("attack_techniques"."is_subtechnique" = 0 OR "attack_techniques"."parent_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_techniques_attack_id` ON `attack_techniques` (`version`,`attack_id`);--> statement-breakpoint
CREATE INDEX `attack_techniques_parent` ON `attack_techniques` (`version`,`parent_id`);--> statement-breakpoint
CREATE TABLE `attack_versions` (
	`version` text PRIMARY KEY NOT NULL,
	`domain` text DEFAULT 'enterprise-attack' NOT NULL,
	`name` text,
	`released_at` text,
	`spec_version` text,
	`status` text DEFAULT 'loading' NOT NULL,
	`active` integer DEFAULT false NOT NULL,
	`object_count` integer DEFAULT 0 NOT NULL,
	`error` text,
	`started_at` text,
	`loaded_at` text,
	CONSTRAINT "attack_versions_status" CHECK("attack_versions"."status" IN ('loading', 'ready', 'failed')),
	CONSTRAINT "attack_versions_active_bool" CHECK("attack_versions"."active" IN (0, 1)),
	CONSTRAINT "attack_versions_active_ready" CHECK("attack_versions"."active" = 0 OR "attack_versions"."status" = 'ready')
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attack_versions_one_active` ON `attack_versions` (`active`) WHERE active = 1;--> statement-breakpoint
CREATE TABLE `matches` (
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
	CONSTRAINT "matches_method" CHECK("matches"."method" IN ('explicit_id', 'name', 'model', 'feedback')),
	CONSTRAINT "matches_confidence" CHECK("matches"."confidence" BETWEEN 0 AND 1),
	CONSTRAINT "matches_offsets" CHECK("matches"."evidence_start" >= 0 AND "matches"."evidence_end" >= "matches"."evidence_start")
);
--> statement-breakpoint
CREATE INDEX `matches_report_idx` ON `matches` (`report_id`,`confidence`);--> statement-breakpoint
CREATE INDEX `matches_technique_idx` ON `matches` (`tenant_id`,`technique_id`);--> statement-breakpoint
CREATE TABLE `reports` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`workflow_id` text,
	`source_type` text NOT NULL,
	`source_url` text,
	`title` text,
	`content_hash` text NOT NULL,
	`attack_version` text NOT NULL,
	`summary` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`attack_version`) REFERENCES `attack_versions`(`version`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "reports_source_type" CHECK("reports"."source_type" IN ('url', 'text', 'html', 'pdf')),
	CONSTRAINT "reports_status" CHECK("reports"."status" IN ('pending', 'complete', 'failed'))
);
--> statement-breakpoint
CREATE INDEX `reports_tenant_idx` ON `reports` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `reports_hash_idx` ON `reports` (`tenant_id`,`content_hash`,`attack_version`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text DEFAULT 'default' NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "api_keys_hash_len" CHECK(length("api_keys"."key_hash") = 64)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant_idx` ON `api_keys` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`key_prefix` text,
	`action` text NOT NULL,
	`target` text,
	`outcome` text NOT NULL,
	`status` integer,
	`request_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "audit_log_outcome" CHECK("audit_log"."outcome" IN ('success', 'failure'))
);
--> statement-breakpoint
CREATE INDEX `audit_log_tenant_idx` ON `audit_log` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_created_idx` ON `audit_log` (`created_at`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_name_unique` ON `tenants` (`name`);--> statement-breakpoint
CREATE TABLE `task_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workflow_id` text NOT NULL,
	`step` text NOT NULL,
	`attempt` integer DEFAULT 1 NOT NULL,
	`status` text NOT NULL,
	`result` text,
	`error` text,
	`started_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`finished_at` text,
	`duration_ms` integer,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "task_results_status" CHECK("task_results"."status" IN ('running', 'succeeded', 'failed')),
	CONSTRAINT "task_results_attempt" CHECK("task_results"."attempt" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `task_results_step_attempt` ON `task_results` (`workflow_id`,`step`,`attempt`);--> statement-breakpoint
CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`type` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`current_step` text,
	`progress` real DEFAULT 0 NOT NULL,
	`input` text,
	`error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`started_at` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`completed_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "workflows_type" CHECK("workflows"."type" IN ('analysis', 'refresh', 'reeval')),
	CONSTRAINT "workflows_status" CHECK("workflows"."status" IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
	CONSTRAINT "workflows_progress" CHECK("workflows"."progress" BETWEEN 0 AND 1),
	CONSTRAINT "workflows_error_when_failed" CHECK("workflows"."status" <> 'failed' OR "workflows"."error" IS NOT NULL)
);
--> statement-breakpoint
CREATE INDEX `workflows_tenant_idx` ON `workflows` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `workflows_status_idx` ON `workflows` (`status`,`updated_at`);