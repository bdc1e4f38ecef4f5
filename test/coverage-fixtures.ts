/**
 * Shared seeding of the coverage tests: rules, and accounts (each describe seeds its own).
 */
import { expect } from "vitest";
import { FALLBACK_PLATFORMS, PRE_PLATFORM } from "../src/coverage/platforms";
import { api, json, postJson } from "./helpers";

/** Active techniques and sub-techniques of the shipped ATT&CK 18.1. */
export const ACTIVE_TECHNIQUES_18_1 = 691;

export type Gaps = { items: { techniqueId: string; riskScore: number; controls: { id: string }[] }[] };
export type Coverage = {
  attackVersion: string | null;
  computedAt: string | null;
  stale: boolean;
  covered: number;
  total: number;
  tactics: { shortname: string; covered: number }[];
  health: Record<string, number>;
};

export const sigma = (id: string, title: string, tags: string[], extra = "") => `title: ${title}
id: ${id}
status: test
description: ${title} for the test
author: test
date: 2024-01-01
tags:
${tags.map((t) => `  - ${t}`).join("\n")}
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\\\powershell.exe'
    CommandLine|contains: '-enc'${extra}
  condition: selection
level: high
`;

export const RULES = [
  {
    path: "a.yml",
    content: sigma("11111111-1111-4111-8111-111111111111", "Encoded PowerShell", [
      "attack.execution",
      "attack.t1059.001",
    ]),
  },
  {
    path: "b.yml",
    content: sigma("22222222-2222-4222-8222-222222222222", "Scheduled task creation", [
      "attack.persistence",
      "attack.t1053.005",
      "attack.t1059.001",
    ]),
  },
  {
    path: "c.yml",
    content: sigma("33333333-3333-4333-8333-333333333333", "Credential dumping from LSASS memory with Mimikatz", []),
  },
  { path: "d.yml", content: sigma("44444444-4444-4444-8444-444444444444", "Unknown tag", ["attack.t9999"]) },
  { path: "broken.yml", content: "title: Broken\nid: x\n  detection: [\n" },
];

/** Imports rule files into an account with a key. */
export const importRules = (
  key: string,
  account: string,
  files: { path: string; content: string }[],
  extra: Record<string, unknown> = {},
  format = "sigma",
) => postJson(`/api/v1/accounts/${account}/detections/import`, key, { format, files, ...extra });

/** Every Enterprise platform of ATT&CK 18, PRE included: an account measured on the whole matrix. */
export const ALL_PLATFORMS = [...FALLBACK_PLATFORMS, PRE_PLATFORM];

let accounts = 0;
/**
 * A new account of the key's tenant, optionally with `rules` imported. Unless `body` says otherwise
 * it runs every platform, so tests about counting see the whole matrix.
 */
export async function seedAccount(
  key: string,
  rules?: { path: string; content: string }[],
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await postJson("/api/v1/accounts", key, {
    name: `Account ${++accounts}`,
    provider: "aws",
    identifier: crypto.randomUUID().replaceAll("-", "").slice(0, 12),
    environment: "prod",
    criticality: "high",
    platforms: ALL_PLATFORMS,
    ...body,
  });
  expect(res.status).toBe(201);
  const id = (await json<{ id: string }>(res)).id;
  if (rules) expect((await importRules(key, id, rules)).status).toBe(200);
  return id;
}

/** Every open (or acknowledged) gap of an account, walking the pages. */
export async function allGaps(key: string, account: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await api(
      `/api/v1/accounts/${account}/gaps?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      key,
    );
    expect(res.status).toBe(200);
    const page = await json<{ items: { techniqueId: string }[]; nextCursor: string | null }>(res);
    ids.push(...page.items.map((g) => g.techniqueId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}
