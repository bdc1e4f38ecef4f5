/**
 * @module Who is calling, and what a role may do. Every authenticated request and MCP tool call
 * carries a Caller; operations that need more than a member key check it here, so REST and MCP
 * refuse the same way.
 *
 * Roles, each able to do what the ones before it may:
 * - member: the tenant's data (analyses, reports, accounts, coverage); sees and revokes its own key;
 * - admin: manages its own tenant too: creates and revokes the tenant's keys, recomputes the
 *   tenant's accounts; never anything of another tenant;
 * - operator: changes the whole deployment (ATT&CK refresh, the deprecation catalogue, the fleet
 *   recompute). Only the CLI creates operator keys (`key:create --operator`): no API does.
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
  role: Role;
}

/** Roles from least to most: a role may do what the ones before it may. */
const RANK: Record<Role, number> = { member: 0, admin: 1, operator: 2 };

export function hasRole(caller: Caller, role: Role): boolean {
  return RANK[caller.role] >= RANK[role];
}

const NEEDS: Record<Role, string> = {
  member: "this operation needs an API key",
  admin: "this operation needs an admin key of the tenant (npm run -s key:create -- --tenant NAME --admin)",
  operator:
    "this operation changes the whole deployment: it needs an operator key (npm run -s key:create -- --tenant NAME --operator)",
};

/** Throws 403 unless the caller has `role`. */
export function requireRole(caller: Caller, role: Role): void {
  if (hasRole(caller, role)) return;
  throw new AppError(403, "forbidden", NEEDS[role]);
}
