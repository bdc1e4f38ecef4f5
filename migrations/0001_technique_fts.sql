-- Full-text search over techniques (FTS5, external content: the text lives in attack_techniques).
-- Triggers keep the index in step with every insert, update and delete of a technique row.
CREATE VIRTUAL TABLE `attack_techniques_fts` USING fts5(
	attack_id, name, description,
	content='attack_techniques', content_rowid='rowid',
	tokenize='porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `attack_techniques_fts_ai` AFTER INSERT ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(rowid, attack_id, name, description)
	VALUES (new.rowid, new.attack_id, new.name, new.description);
END;
--> statement-breakpoint
CREATE TRIGGER `attack_techniques_fts_ad` AFTER DELETE ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(attack_techniques_fts, rowid, attack_id, name, description)
	VALUES ('delete', old.rowid, old.attack_id, old.name, old.description);
END;
--> statement-breakpoint
CREATE TRIGGER `attack_techniques_fts_au` AFTER UPDATE OF attack_id, name, description ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(attack_techniques_fts, rowid, attack_id, name, description)
	VALUES ('delete', old.rowid, old.attack_id, old.name, old.description);
	INSERT INTO attack_techniques_fts(rowid, attack_id, name, description)
	VALUES (new.rowid, new.attack_id, new.name, new.description);
END;
--> statement-breakpoint
-- Index techniques already present (when this migration is re-applied over loaded data).
INSERT INTO attack_techniques_fts(attack_techniques_fts) VALUES ('rebuild');
