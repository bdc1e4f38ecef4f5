ALTER TABLE `attack_techniques` ADD `search_software` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `attack_techniques` ADD `search_procedures` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `attack_techniques` ADD `search_tactics` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Technique search also reads the software that uses a technique (names, aliases), its procedure
-- examples and its tactics' names: the loader derives them into the columns above when a version
-- finishes loading (db/repos/attack-search.ts searchTextSql), and the FTS5 index gains them as
-- columns so bm25 can weigh each. The index is rebuilt with the new columns.
DROP TRIGGER IF EXISTS `attack_techniques_fts_au`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `attack_techniques_fts_ad`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `attack_techniques_fts_ai`;
--> statement-breakpoint
DROP TABLE IF EXISTS `attack_techniques_fts`;
--> statement-breakpoint
-- Versions already loaded get their search text now (the same SQL as searchTextSql).
UPDATE `attack_techniques` SET
	`search_software` = coalesce((SELECT group_concat(DISTINCT n.value) FROM attack_procedures p
		JOIN attack_software s ON s.version = p.version AND s.stix_id = p.source_ref
		JOIN json_each(json_insert(s.aliases, '$[#]', s.name)) n
		WHERE p.version = attack_techniques.version AND p.technique_ref = attack_techniques.stix_id
			AND s.revoked = 0 AND s.deprecated = 0), ''),
	`search_procedures` = coalesce((SELECT group_concat(p.description, ' ') FROM attack_procedures p
		WHERE p.version = attack_techniques.version AND p.technique_ref = attack_techniques.stix_id), ''),
	`search_tactics` = coalesce((SELECT group_concat(ta.name, ' ') FROM attack_technique_tactics tt
		JOIN attack_tactics ta ON ta.version = tt.version AND ta.shortname = tt.tactic_shortname
		WHERE tt.version = attack_techniques.version AND tt.technique_stix_id = attack_techniques.stix_id), '');
--> statement-breakpoint
CREATE VIRTUAL TABLE `attack_techniques_fts` USING fts5(
	attack_id, name, description, search_software, search_procedures, search_tactics,
	content='attack_techniques', content_rowid='rowid',
	tokenize='porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `attack_techniques_fts_ai` AFTER INSERT ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(rowid, attack_id, name, description, search_software, search_procedures, search_tactics)
	VALUES (new.rowid, new.attack_id, new.name, new.description, new.search_software, new.search_procedures, new.search_tactics);
END;
--> statement-breakpoint
CREATE TRIGGER `attack_techniques_fts_ad` AFTER DELETE ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(attack_techniques_fts, rowid, attack_id, name, description, search_software, search_procedures, search_tactics)
	VALUES ('delete', old.rowid, old.attack_id, old.name, old.description, old.search_software, old.search_procedures, old.search_tactics);
END;
--> statement-breakpoint
CREATE TRIGGER `attack_techniques_fts_au` AFTER UPDATE OF attack_id, name, description, search_software, search_procedures, search_tactics ON `attack_techniques` BEGIN
	INSERT INTO attack_techniques_fts(attack_techniques_fts, rowid, attack_id, name, description, search_software, search_procedures, search_tactics)
	VALUES ('delete', old.rowid, old.attack_id, old.name, old.description, old.search_software, old.search_procedures, old.search_tactics);
	INSERT INTO attack_techniques_fts(rowid, attack_id, name, description, search_software, search_procedures, search_tactics)
	VALUES (new.rowid, new.attack_id, new.name, new.description, new.search_software, new.search_procedures, new.search_tactics);
END;
--> statement-breakpoint
INSERT INTO attack_techniques_fts(attack_techniques_fts) VALUES ('rebuild');
