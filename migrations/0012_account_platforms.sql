ALTER TABLE `accounts` ADD `platforms` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Existing accounts get the platforms of their provider (coverage/platforms.ts DEFAULT_PLATFORMS;
-- any other provider: every Enterprise platform but PRE). Their coverage is recomputed under the
-- new scope by the sweeper: the accounts are marked pending.
UPDATE `accounts` SET
	`platforms` = CASE `provider_id`
		WHEN 'aws' THEN '["IaaS","Containers"]'
		WHEN 'gcp' THEN '["IaaS","Containers"]'
		WHEN 'azure' THEN '["IaaS","Identity Provider","Containers"]'
		WHEN 'saas' THEN '["SaaS","Office Suite","Identity Provider"]'
		WHEN 'on_prem' THEN '["Windows","Linux","macOS","Network Devices","ESXi","Containers"]'
		ELSE '["Windows","Linux","macOS","Network Devices","ESXi","Containers","IaaS","SaaS","Office Suite","Identity Provider"]'
	END,
	`coverage_pending_since` = coalesce(`coverage_pending_since`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
