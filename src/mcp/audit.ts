/**
 * @module The audit log of MCP tools that change something: one row per call, as `mcp:<tool>`,
 * success or failure, like REST's mutating requests.
 */
import { recordAudit } from "../db/repos/audit";
import type { ToolContext } from "./server";

/** What the row points at: fixed, or read from the result (undefined when the body failed). */
export type AuditTarget<T> = string | null | ((out: T | undefined) => string | null);

export type Audited = <T>(action: string, target: AuditTarget<T>, body: () => Promise<T>) => Promise<T>;

/** Runs a tool's body and records how it ended; the body's error is rethrown after recording. */
export function auditor({ db, caller, requestId }: ToolContext): Audited {
  const record = (action: string, target: string | null, outcome: "success" | "failure") =>
    recordAudit(db, {
      tenantId: caller.tenantId,
      keyPrefix: caller.keyPrefix,
      action: `mcp:${action}`,
      target,
      outcome,
      requestId,
    });
  return async <T>(action: string, target: AuditTarget<T>, body: () => Promise<T>): Promise<T> => {
    const at = (out: T | undefined) => (typeof target === "function" ? target(out) : target);
    let out: T;
    try {
      out = await body();
    } catch (e) {
      await record(action, at(undefined), "failure");
      throw e;
    }
    await record(action, at(out), "success");
    return out;
  };
}
