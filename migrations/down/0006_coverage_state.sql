-- Reverts 0006_coverage_state.sql.
ALTER TABLE `accounts` DROP COLUMN `coverage_pending_since`;
ALTER TABLE `accounts` DROP COLUMN `coverage_attack_version`;
ALTER TABLE `accounts` DROP COLUMN `coverage_computed_at`;
