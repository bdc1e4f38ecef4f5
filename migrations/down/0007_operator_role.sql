-- Reverts 0007_operator_role.sql: operator keys are deleted (no other role may inherit their
-- powers), and the table is rebuilt with the two roles before it.
DELETE FROM `api_keys` WHERE `role` = 'operator';
CREATE TABLE `__old_api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text DEFAULT 'default' NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	`role` text DEFAULT 'member' NOT NULL CONSTRAINT "api_keys_role" CHECK(`role` IN ('member', 'admin')),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "api_keys_hash_len" CHECK(length(`key_hash`) = 64)
);
INSERT INTO `__old_api_keys`("id", "tenant_id", "name", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at", "role") SELECT "id", "tenant_id", "name", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at", "role" FROM `api_keys`;
DROP TABLE `api_keys`;
ALTER TABLE `__old_api_keys` RENAME TO `api_keys`;
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);
CREATE INDEX `api_keys_tenant_idx` ON `api_keys` (`tenant_id`,`created_at`);
