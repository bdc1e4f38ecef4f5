import type { Db } from "../db/client";

/** Who is calling: set by the auth middleware on every authenticated route. */
export interface Caller {
  tenantId: string;
  tenantName: string;
  keyId: string;
  keyPrefix: string;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Db;
    requestId: string;
    caller: Caller;
  };
}
