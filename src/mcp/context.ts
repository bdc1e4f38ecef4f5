/**
 * @module What a tool call runs with: the request's environment, database and caller, and the
 * hooks told about every call.
 */
import type { Db } from "../db/client";
import type { Caller } from "../tenants/caller";
import type { ToolCallEvent } from "./define-tool";
import type { ResultFormat } from "./listing";

export interface ToolContext {
  env: Env;
  db: Db;
  caller: Caller;
  requestId: string;
  results: ResultFormat;
  /** Told about every tool call once it has ended (after its audit row). */
  onToolCall?: ((event: ToolCallEvent) => void | Promise<void>)[];
}
