-- Full-text search over reports' text. report_text holds the latest version's extracted text in
-- plain chunks (report_documents keeps it gzipped for re-evaluation, which FTS5 cannot read); the
-- FTS5 index uses it as external content, triggers keeping the two in step. tenant_id is indexed
-- too, so a query matches the caller's tenant inside the index, not after it.
CREATE TABLE `report_text` (
	`id` integer PRIMARY KEY NOT NULL,
	`report_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`seq` integer NOT NULL,
	`body` text NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `reports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `report_text_report_seq` ON `report_text` (`report_id`,`seq`);
--> statement-breakpoint
CREATE VIRTUAL TABLE `report_text_fts` USING fts5(
	tenant_id, body,
	content='report_text', content_rowid='id',
	tokenize='porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `report_text_fts_ai` AFTER INSERT ON `report_text` BEGIN
	INSERT INTO report_text_fts(rowid, tenant_id, body) VALUES (new.id, new.tenant_id, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `report_text_fts_ad` AFTER DELETE ON `report_text` BEGIN
	INSERT INTO report_text_fts(report_text_fts, rowid, tenant_id, body)
	VALUES ('delete', old.id, old.tenant_id, old.body);
END;
--> statement-breakpoint
CREATE TRIGGER `report_text_fts_au` AFTER UPDATE OF tenant_id, body ON `report_text` BEGIN
	INSERT INTO report_text_fts(report_text_fts, rowid, tenant_id, body)
	VALUES ('delete', old.id, old.tenant_id, old.body);
	INSERT INTO report_text_fts(rowid, tenant_id, body) VALUES (new.id, new.tenant_id, new.body);
END;
