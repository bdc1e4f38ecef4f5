-- Reverts 0009_report_search.sql. Reports keep their gzipped text (report_documents); only the
-- search index goes.
DROP TRIGGER IF EXISTS `report_text_fts_au`;
DROP TRIGGER IF EXISTS `report_text_fts_ad`;
DROP TRIGGER IF EXISTS `report_text_fts_ai`;
DROP TABLE IF EXISTS `report_text_fts`;
DROP INDEX IF EXISTS `report_text_report_seq`;
DROP TABLE IF EXISTS `report_text`;
