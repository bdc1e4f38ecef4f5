-- The operator role: deployment-wide operations (ATT&CK refresh, the deprecation catalogue, the
-- fleet recompute), held only by keys the CLI creates. SQLite cannot alter a CHECK: the table is
-- rebuilt. Nothing references api_keys, so no foreign key is in the way.
CREATE TABLE `__new_api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text DEFAULT 'default' NOT NULL,
	`role` text DEFAULT 'member' NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "api_keys_hash_len" CHECK(length(`key_hash`) = 64),
	CONSTRAINT "api_keys_role" CHECK(`role` IN ('member', 'admin', 'operator'))
);
--> statement-breakpoint
INSERT INTO `__new_api_keys`("id", "tenant_id", "name", "role", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at") SELECT "id", "tenant_id", "name", "role", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at" FROM `api_keys`;--> statement-breakpoint
DROP TABLE `api_keys`;--> statement-breakpoint
ALTER TABLE `__new_api_keys` RENAME TO `api_keys`;--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant_idx` ON `api_keys` (`tenant_id`,`created_at`);
