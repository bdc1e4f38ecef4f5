-- Reverts 0008_webhook_secrets_sealed.sql: sealed secrets mean nothing to the code before it, so
-- they are removed too (tenants create a new one).
DELETE FROM `webhook_secrets`;
