/**
 * @module From an Authorization header to the Caller it proves: the bearer key's tenant and role.
 * Used by the adapters' auth middleware (REST and MCP alike).
 */
import type { Db } from "../db/client";
import { findActiveKeyByHash, touchApiKey } from "../db/repos/tenants";
import { AppError } from "../errors";
import { hashApiKey, looksLikeApiKey } from "./api-keys";
import type { Caller } from "./caller";

/** last_used_at is rewritten at most this often per key, to keep reads from becoming writes. */
const TOUCH_INTERVAL_MS = 60_000;

/** 401 with the `WWW-Authenticate` challenge the response should carry. */
export class Unauthenticated extends AppError {
  constructor(
    message: string,
    readonly challenge: string,
  ) {
    super(401, "unauthorized", message);
  }
}

export interface Authenticated {
  caller: Caller;
  /** Records the key's use; null when it was recorded recently. Run it after the response. */
  touch: (() => Promise<void>) | null;
}

export async function authenticate(
  db: Db,
  authorization: string | undefined,
  now = new Date(),
): Promise<Authenticated> {
  if (!authorization) {
    throw new Unauthenticated(
      "missing API key: send 'Authorization: Bearer <key>' (create one with `npm run -s key:create -- --tenant NAME`)",
      'Bearer realm="ttpscope"',
    );
  }
  const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (!key)
    throw new Unauthenticated("malformed Authorization header: expected 'Bearer <key>'", 'Bearer realm="ttpscope"');
  const found = looksLikeApiKey(key) ? await findActiveKeyByHash(db, await hashApiKey(key)) : null;
  if (!found) throw new Unauthenticated("invalid or revoked API key", 'Bearer realm="ttpscope", error="invalid_token"');
  const { apiKey, tenant } = found;
  const stale = !apiKey.lastUsedAt || now.getTime() - Date.parse(apiKey.lastUsedAt) > TOUCH_INTERVAL_MS;
  return {
    caller: {
      tenantId: tenant.id,
      tenantName: tenant.name,
      keyId: apiKey.id,
      keyPrefix: apiKey.prefix,
      role: apiKey.role,
    },
    touch: stale ? () => touchApiKey(db, tenant.id, apiKey.id, now.toISOString()) : null,
  };
}
