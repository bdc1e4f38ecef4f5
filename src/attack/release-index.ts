/**
 * @module The ATT&CK release index (attack-stix-data's `index.json`, a collection index): which
 * Enterprise ATT&CK versions exist and where their STIX bundles are.
 */
import { z } from "zod";
import { AppError, describeError } from "../errors";
import { compareVersions } from "./stix";

export const DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/index.json";
/** The Enterprise collection's id, the same in every release. */
const ENTERPRISE_COLLECTION = "x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019";

const ReleaseIndex = z.object({
  collections: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      versions: z.array(z.object({ version: z.string(), url: z.string().optional(), modified: z.string().optional() })),
    }),
  ),
});

export interface Release {
  version: string;
  url: string;
  modified?: string;
}

/** Enterprise releases of an index, newest first. */
export function enterpriseReleases(index: unknown): Release[] {
  const parsed = ReleaseIndex.safeParse(index);
  if (!parsed.success) throw new AppError(502, "invalid_release_index", `the ATT&CK release index is not a collection index: ${parsed.error.issues[0]?.message ?? "?"}`);
  const enterprise = parsed.data.collections.find((c) => c.id === ENTERPRISE_COLLECTION) ?? parsed.data.collections.find((c) => /enterprise/i.test(c.name));
  if (!enterprise) throw new AppError(502, "invalid_release_index", "the ATT&CK release index lists no Enterprise collection");
  return enterprise.versions
    .filter((v): v is Release => typeof v.url === "string" && /^\d+(\.\d+)*$/.test(v.version))
    .sort((a, b) => compareVersions(b.version, a.version));
}

export async function fetchReleaseIndex(url: string, fetcher: typeof fetch = fetch): Promise<Release[]> {
  let res: Response;
  try {
    res = await fetcher(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new AppError(502, "release_index_unavailable", `the ATT&CK release index could not be fetched: ${describeError(e)}`, { retryable: true });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new AppError(502, "release_index_unavailable", `the ATT&CK release index answered HTTP ${res.status}`, { retryable: res.status >= 500 || res.status === 429 });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    throw new AppError(502, "invalid_release_index", `the ATT&CK release index is not JSON: ${describeError(e)}`);
  }
  return enterpriseReleases(body);
}
