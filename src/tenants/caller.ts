/**
 * @module Who is calling, and what a role may do. Every authenticated request and MCP tool call
 * carries a Caller; operations that need more than a member key check it here, so REST and MCP
 * refuse the same way.
 */
import { type KEY_ROLES } from "../db/schema";
import { AppError } from "../errors";

export type Role = (typeof KEY_ROLES)[number];

/** Who is calling: the tenant and the key (or, for signed webhook deliveries, the tenant alone). */
export interface Caller {
  tenantId: string;
  tenantName: string;
  keyId: string;
  keyPrefix: string;
  /** admin keys may run deployment-wide operations (ATT&CK refresh, fleet recompute). */
  role: Role;
}

/** Roles from least to most: a role may do what the ones before it may. */
const RANK: Record<Role, number> = { member: 0, admin: 1 };

export function hasRole(caller: Caller, role: Role): boolean {
  return RANK[caller.role] >= RANK[role];
}

/** Throws 403 unless the caller has `role`. */
export function requireRole(caller: Caller, role: Role): void {
  if (hasRole(caller, role)) return;
  throw new AppError(
    403,
    "forbidden",
    role === "admin"
      ? "this operation needs an admin key (npm run -s key:create -- --tenant NAME --admin)"
      : `this operation needs a ${role} key`,
  );
}
