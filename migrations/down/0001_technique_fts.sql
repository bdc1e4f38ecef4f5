-- Reverts 0001_technique_fts.sql.
DROP TRIGGER IF EXISTS `attack_techniques_fts_au`;
DROP TRIGGER IF EXISTS `attack_techniques_fts_ad`;
DROP TRIGGER IF EXISTS `attack_techniques_fts_ai`;
DROP TABLE IF EXISTS `attack_techniques_fts`;
