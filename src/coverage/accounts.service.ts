/**
 * @module Accounts (cloud accounts, subscriptions, projects, on-prem estates) whose detections a
 * tenant tracks. A new account's coverage is computed at once, so it is never missing.
 */
import type { z } from "@hono/zod-openapi";
import type { Db } from "../db/client";
import { createAccount as insertAccount, listAccounts, listProviders, providerExists } from "../db/repos/accounts";
import type { Account as AccountRow } from "../db/schema";
import { AppError, badRequest } from "../errors";
import { takePage } from "../lib/collections";
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

/** A page of the tenant's accounts, newest first; `last` is where the next page starts. */
export async function listAccountPage(
  db: Db,
  tenantId: string,
  q: { limit: number; after?: { createdAt: string; id: string } },
): Promise<{ items: AccountT[]; hasMore: boolean; last: AccountRow | null }> {
  const { page, last, hasMore } = takePage(await listAccounts(db, tenantId, q), q.limit);
  return { items: page.map(toAccount), hasMore, last: last ?? null };
}
