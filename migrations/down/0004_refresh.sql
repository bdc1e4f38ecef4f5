-- Reverts 0004_refresh.sql.
ALTER TABLE `api_keys` DROP COLUMN `role`;
DROP INDEX IF EXISTS `reports_root_idx`;
ALTER TABLE `reports` DROP COLUMN `changes`;
ALTER TABLE `reports` DROP COLUMN `latest`;
ALTER TABLE `reports` DROP COLUMN `version_number`;
ALTER TABLE `reports` DROP COLUMN `previous_report_id`;
ALTER TABLE `reports` DROP COLUMN `root_report_id`;
DROP TABLE IF EXISTS `attack_changes`;
