/**
 * @module Accounts (cloud accounts, subscriptions, projects, on-prem estates) whose detections a
 * tenant tracks. A new account's coverage is computed at once, so it is never missing; a change of
 * what scopes or weighs it (platforms, criticality) recomputes it in the same request.
 */
import type { z } from "@hono/zod-openapi";
import { resolveVersion } from "../attack/catalog.service";
import type { Db } from "../db/client";
import {
  createAccount as insertAccount,
  listAccounts,
  listProviders,
  providerExists,
  updateAccount as writeAccount,
} from "../db/repos/accounts";
import type { Account as AccountRow } from "../db/schema";
import { AppError, badRequest, notFound } from "../errors";
import { takePage } from "../lib/collections";
import { attackContext } from "./attack-context";
import type { AccountInput, AccountT, AccountUpdate } from "./coverage.schemas";
import { requireAccount } from "./coverage.service";
import { canonicalPlatforms, defaultPlatforms } from "./platforms";
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
    platforms: a.platforms,
    createdAt: a.createdAt,
  };
}

/** Platforms as the active ATT&CK version names them (400 for one it does not know). */
async function checkedPlatforms(db: Db, requested: readonly string[]): Promise<string[]> {
  const version = await resolveVersion(db, undefined);
  return canonicalPlatforms(requested, (await attackContext(db, version)).platforms, version);
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
    platforms: await checkedPlatforms(db, input.platforms ?? defaultPlatforms(input.provider)),
  });
  if (!row) {
    throw new AppError(409, "conflict", `this tenant already has a ${input.provider} account '${input.identifier}'`);
  }
  // Until it has rules nothing is covered; stored now so reads have something current to answer.
  await recomputeCoverage(db, row);
  return toAccount(row);
}

/** Changes an account; new platforms or criticality recompute its coverage before answering. */
export async function updateAccount(
  db: Db,
  tenantId: string,
  accountId: string,
  input: z.infer<typeof AccountUpdate>,
): Promise<AccountT> {
  const { platforms, ...changes } = input;
  if (Object.values(input).every((v) => v === undefined)) {
    throw badRequest("nothing to change: give name, environment, criticality, regions or platforms");
  }
  const before = await requireAccount(db, tenantId, accountId);
  const scoped = platforms && (await checkedPlatforms(db, platforms));
  const rescoped =
    (changes.criticality !== undefined && changes.criticality !== before.criticality) ||
    (scoped !== undefined && !samePlatforms(scoped, before.platforms));
  // Marked pending in the same batch: if the recompute below fails, the sweeper still redoes it.
  const row = await writeAccount(
    db,
    tenantId,
    accountId,
    { ...changes, ...(scoped ? { platforms: scoped } : {}) },
    rescoped,
  );
  if (!row) throw notFound(`no account ${accountId} for this tenant`);
  if (rescoped) await recomputeCoverage(db, row);
  return toAccount(row);
}

const samePlatforms = (a: string[], b: string[]) => a.length === b.length && a.every((p) => b.includes(p));

/** A page of the tenant's accounts, newest first; `last` is where the next page starts. */
export async function listAccountPage(
  db: Db,
  tenantId: string,
  q: { limit: number; after?: { createdAt: string; id: string } },
): Promise<{ items: AccountT[]; hasMore: boolean; last: AccountRow | null }> {
  const { page, last, hasMore } = takePage(await listAccounts(db, tenantId, q), q.limit);
  return { items: page.map(toAccount), hasMore, last: last ?? null };
}
