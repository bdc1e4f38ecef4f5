-- Reverts 0002_analysis.sql.
ALTER TABLE `workflows` DROP COLUMN `report_id`;
DROP INDEX IF EXISTS `reports_workflow_idx`;
ALTER TABLE `reports` DROP COLUMN `char_count`;
DROP TABLE IF EXISTS `webhook_deliveries`;
DROP TABLE IF EXISTS `webhook_secrets`;
DROP TABLE IF EXISTS `report_documents`;
DROP TABLE IF EXISTS `analysis_model_chunks`;
DROP TABLE IF EXISTS `analysis_models`;
