/**
 * @module The request context every adapter (REST, MCP) works in, as Hono env types.
 */
import type { Db } from "../db/client";
import type { Caller } from "../tenants/caller";

/** Every request: the database and the request id; `caller` once a key or a signature proved who it is. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Db;
    requestId: string;
    caller?: Caller;
  };
}

/** Routes mounted behind the API-key middleware (app.ts), where the caller is always known. */
export interface AuthedEnv extends AppEnv {
  Variables: AppEnv["Variables"] & { caller: Caller };
}
