import type { Db } from "../db/client";

/** Who is calling: set by the auth middleware on every authenticated route. */
export interface Caller {
  tenantId: string;
  tenantName: string;
  keyId: string;
  keyPrefix: string;
  /** admin keys may run deployment-wide operations (ATT&CK refresh). */
  role: "member" | "admin";
}

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
