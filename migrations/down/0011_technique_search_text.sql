-- Reverts 0011_technique_search_text.sql: the index goes back to 0001's columns (attack_id, name,
-- description) and is rebuilt; the search columns go.
DROP TRIGGER IF EXISTS `attack_techniques_fts_au`;
DROP TRIGGER IF EXISTS `attack_techniques_fts_ad`;
DROP TRIGGER IF EXISTS `attack_techniques_fts_ai`;
DROP TABLE IF EXISTS `attack_techniques_fts`;
ALTER TABLE `attack_techniques` DROP COLUMN `search_tactics`;
ALTER TABLE `attack_techniques` DROP COLUMN `search_procedures`;
ALTER TABLE `attack_techniques` DROP COLUMN `search_software`;
CREATE VIRTUAL TABLE `attack_techniques_fts` USING fts5(
	attack_id, name, description,
	content='attack_techniques', content_rowid='rowid',
	tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER `attack_techniques_fts_ai` AFTER INSERT ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(rowid, attack_id, name, description)
	VALUES (new.rowid, new.attack_id, new.name, new.description);
END;
CREATE TRIGGER `attack_techniques_fts_ad` AFTER DELETE ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(attack_techniques_fts, rowid, attack_id, name, description)
	VALUES ('delete', old.rowid, old.attack_id, old.name, old.description);
END;
CREATE TRIGGER `attack_techniques_fts_au` AFTER UPDATE OF attack_id, name, description ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(attack_techniques_fts, rowid, attack_id, name, description)
	VALUES ('delete', old.rowid, old.attack_id, old.name, old.description);
	INSERT INTO attack_techniques_fts(rowid, attack_id, name, description)
	VALUES (new.rowid, new.attack_id, new.name, new.description);
END;
INSERT INTO attack_techniques_fts(attack_techniques_fts) VALUES ('rebuild');
