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

export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Db;
    requestId: string;
    caller: Caller;
  };
}
