/**
 * @module The ATT&CK release index (attack-stix-data's `index.json`, a collection index): which
 * Enterprise ATT&CK versions exist and where their STIX bundles are.
 */
import { z } from "zod";
import { AppError, describeError } from "../errors";
import { compareVersions } from "./stix";

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
  if (!parsed.success)
    throw new AppError(
      502,
      "invalid_release_index",
      `the ATT&CK release index is not a collection index: ${parsed.error.issues[0]?.message ?? "?"}`,
    );
  const enterprise =
    parsed.data.collections.find((c) => c.id === ENTERPRISE_COLLECTION) ??
    parsed.data.collections.find((c) => /enterprise/i.test(c.name));
  if (!enterprise)
    throw new AppError(502, "invalid_release_index", "the ATT&CK release index lists no Enterprise collection");
  return enterprise.versions
    .filter((v): v is Release => typeof v.url === "string" && /^\d+(\.\d+)*$/.test(v.version))
    .sort((a, b) => compareVersions(b.version, a.version));
}

/** How long the ATT&CK upstream may take to answer with headers; a bundle's body then streams as long as it takes. */
const HEADERS_TIMEOUT_MS = 30_000;

/**
 * GET from the ATT&CK upstream (release index, bundles): the response once its headers arrive.
 * A network error, no headers within the deadline, 5xx or 429 is a retryable 502 `code`;
 * any other non-2xx a final one.
 */
export async function fetchFromAttack(
  url: string,
  o: { what: string; code: string; accept: string; fetcher?: typeof fetch },
): Promise<Response> {
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`no answer within ${HEADERS_TIMEOUT_MS / 1000} s`)),
    HEADERS_TIMEOUT_MS,
  );
  let res: Response;
  try {
    res = await (o.fetcher ?? fetch)(url, { headers: { accept: o.accept }, signal: deadline.signal });
  } catch (e) {
    throw new AppError(502, o.code, `${o.what} could not be fetched: ${describeError(e)}`, { retryable: true });
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new AppError(502, o.code, `${o.what} answered HTTP ${res.status}`, {
      retryable: res.status >= 500 || res.status === 429,
    });
  }
  return res;
}

export async function fetchReleaseIndex(url: string, fetcher: typeof fetch = fetch): Promise<Release[]> {
  const res = await fetchFromAttack(url, {
    what: "the ATT&CK release index",
    code: "release_index_unavailable",
    accept: "application/json",
    fetcher,
  });
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    throw new AppError(502, "invalid_release_index", `the ATT&CK release index is not JSON: ${describeError(e)}`);
  }
  return enterpriseReleases(body);
}
