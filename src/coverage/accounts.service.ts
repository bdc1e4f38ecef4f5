/**
 * @module Accounts (cloud accounts, subscriptions, projects, on-prem estates) whose detections a
 * tenant tracks. A new account's coverage is computed at once, so it is never missing.
 */
import type { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { createAccount as insertAccount, listAccounts, listProviders, providerExists } from "../db/repos/accounts";
import type { Account as AccountRow } from "../db/schema";
import { AppError, badRequest } from "../errors";
import type { AccountInput, AccountT } from "./coverage.schemas";
import { recomputeCoverage } from "./recompute";

export function toAccount(a: AccountRow): AccountT {
  return {
    id: a.id,
    name: a.name,
    provider: a.providerId,
    identifier: a.identifier,
    environment: a.environment,
    criticality: a.criticality,
    regions: a.regions,
    createdAt: a.createdAt,
  };
}

export async function createAccount(db: Db, tenantId: string, input: z.infer<typeof AccountInput>): Promise<AccountT> {
  if (!(await providerExists(db, input.provider))) {
    throw badRequest(`unknown provider '${input.provider}': one of ${(await listProviders(db)).join(", ")}`);
  }
  const row = await insertAccount(db, tenantId, {
    providerId: input.provider,
    identifier: input.identifier,
    name: input.name,
    environment: input.environment,
    criticality: input.criticality,
    regions: input.regions ?? [],
  });
  if (!row) {
    throw new AppError(409, "conflict", `this tenant already has a ${input.provider} account '${input.identifier}'`);
  }
  // Until it has rules nothing is covered; stored now so reads have something current to answer.
  await recomputeCoverage(db, row);
  return toAccount(row);
}

export async function listTenantAccounts(db: Db, tenantId: string): Promise<AccountT[]> {
  return (await listAccounts(db, tenantId)).map(toAccount);
}
