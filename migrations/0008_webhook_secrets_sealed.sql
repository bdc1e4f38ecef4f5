-- Webhook secrets are now Standard Webhooks secrets sealed with AES-GCM (SECRET_KEYS). Secrets of
-- the old scheme were stored in clear and keyed differently: no sender could use them any more,
-- so they are removed (tenants create a new one with POST /api/v1/webhooks/secret).
DELETE FROM `webhook_secrets`;
