/**
 * @module The ATT&CK platforms an account runs, which scope its coverage: only techniques for
 * at least one of them are counted, gaps or shown in its layers. Names are ATT&CK's own
 * (`x_mitre_platforms`), checked against the ATT&CK version in use, so a later domain's platforms
 * (Android, iOS, ICS levels) need nothing new here. Pure.
 */
import { badRequest } from "../errors";

/** PRE (reconnaissance, resource development) happens outside any estate: counted only when asked for. */
export const PRE_PLATFORM = "PRE";

/**
 * Platforms an account gets when it names none, by provider (migration 0012 gives existing accounts
 * the same). A cloud provider's account is its control plane and identity; workloads on it (Linux,
 * Windows) are added explicitly. An on-premises estate is its endpoints, servers and network.
 */
export const DEFAULT_PLATFORMS: Record<string, readonly string[]> = {
  aws: ["IaaS", "Containers"],
  gcp: ["IaaS", "Containers"],
  azure: ["IaaS", "Identity Provider", "Containers"],
  saas: ["SaaS", "Office Suite", "Identity Provider"],
  on_prem: ["Windows", "Linux", "macOS", "Network Devices", "ESXi", "Containers"],
};
/** `other` and any provider added later: every Enterprise platform but PRE. */
export const FALLBACK_PLATFORMS: readonly string[] = [
  "Windows",
  "Linux",
  "macOS",
  "Network Devices",
  "ESXi",
  "Containers",
  "IaaS",
  "SaaS",
  "Office Suite",
  "Identity Provider",
];

export function defaultPlatforms(provider: string): string[] {
  return [...(DEFAULT_PLATFORMS[provider] ?? FALLBACK_PLATFORMS)];
}

/**
 * The platforms asked for, spelled as the ATT&CK version spells them (matched without case), in its
 * order, once each; a 400 naming the known ones otherwise.
 */
export function canonicalPlatforms(requested: readonly string[], known: readonly string[], version: string): string[] {
  const byKey = new Map(known.map((p) => [p.toLowerCase(), p]));
  const unknown = requested.filter((p) => !byKey.has(p.trim().toLowerCase()));
  if (unknown.length) {
    throw badRequest(
      `unknown platform${unknown.length > 1 ? "s" : ""} ${unknown.map((p) => `'${p}'`).join(", ")}: ATT&CK ${version} has ${known.join(", ")}`,
    );
  }
  const wanted = new Set(requested.map((p) => byKey.get(p.trim().toLowerCase())));
  return known.filter((p) => wanted.has(p));
}

/** Whether a technique is in an account's scope: it lists one of the account's platforms (one listing none is kept). */
export function inScope(techniquePlatforms: readonly string[], accountPlatforms: ReadonlySet<string>): boolean {
  return techniquePlatforms.length === 0 || techniquePlatforms.some((p) => accountPlatforms.has(p));
}
