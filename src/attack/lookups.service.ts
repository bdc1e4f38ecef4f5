/**
 * @module Groups, software, campaigns and mitigations looked up by ATT&CK id, name or alias, each
 * with a page of the techniques it uses or mitigates, and a technique's procedure examples a page
 * at a time. Answers are compact by default (ids and names); texts come on request (`detail`).
 */
import * as repo from "../db/repos/attack-lookups";
import {
  OBJECT_KINDS,
  type Candidate,
  type ObjectKind,
  type Relation,
  type RelatedTechnique,
} from "../db/repos/attack-lookups";
import { getTechnique } from "../db/repos/attack";
import type { Db } from "../db/client";
import { AppError, badRequest, notFound } from "../errors";
import { parseTechniqueId, resolveVersion } from "./catalog.service";
import type { CampaignT, GroupT, MitigationT, ProcedureExampleT, SoftwareRefT, SoftwareT } from "./attack.schemas";

// The adapters may not import db/: the kinds reach them from here.
export { OBJECT_KINDS };

/** A page the adapters turn into a cursor: `nextOffset` is null on the last page. */
export type Paged<T> = Omit<T, "nextCursor"> & { nextOffset: number | null };
export interface PageArgs {
  limit: number;
  offset: number;
  /** Each technique's text (procedure, or how a mitigation applies). */
  detail?: boolean;
}

const SAMPLE_SIZE = 3;
const SNIPPET_CHARS = 200;
const SUMMARY_CHARS = 600;
/** Software listed without `detail`; APT29 alone uses 40. */
const SOFTWARE_SHOWN = 15;

/** The MCP tool that reads every kind. */
const LOOKUP_TOOL = "get_attack_object";

const KINDS: Record<ObjectKind, { id: RegExp; example: string; path: string }> = {
  group: { id: /^G\d{4}$/i, example: "G0016, APT29", path: "groups" },
  software: { id: /^S\d{4}$/i, example: "S0002, Mimikatz", path: "software" },
  campaign: { id: /^C\d{4}$/i, example: "C0024, SolarWinds Compromise", path: "campaigns" },
  mitigation: { id: /^M\d{4}$/i, example: "M1036, Account Use Policies", path: "mitigations" },
};

/** The kind an ATT&CK id names (G0016 → group), or undefined for a name or alias. */
export const kindOfId = (key: string): ObjectKind | undefined => OBJECT_KINDS.find((k) => KINDS[k].id.test(key.trim()));

/** The version and page a catalogue list reads: the cursor's position pins the version it was made for. */
export async function catalogPage(
  db: Db,
  args: { version?: string; limit: number; detail?: boolean },
  position: { version?: string; offset: number },
): Promise<{ version: string; page: PageArgs }> {
  const version = await resolveVersion(db, args.version ?? position.version);
  return { version, page: { limit: args.limit, offset: position.offset, detail: args.detail } };
}

const label = (c: Candidate) =>
  `${c.attackId} (${c.name}${c.revoked ? ", revoked" : c.deprecated ? ", deprecated" : ""})`;

/** The one object `rawKey` names; several active ones with that name or alias are listed, not guessed between. */
async function resolveObject(db: Db, kind: ObjectKind, version: string, rawKey: string): Promise<Candidate> {
  const key = rawKey.trim();
  if (key.length === 0 || key.length > 100)
    throw badRequest(
      `a ${kind} is named by its ATT&CK id or name${kind === "mitigation" ? "" : " or alias"} (${KINDS[kind].example})`,
    );
  const candidates = await repo.findCandidates(db, kind, version, key, KINDS[kind].id.test(key));
  const active = candidates.filter((c) => !c.revoked && !c.deprecated);
  const pool = active.length > 0 ? active : candidates;
  if (pool.length === 1 && pool[0]) return pool[0];
  if (pool.length > 1)
    throw new AppError(
      400,
      "ambiguous",
      `'${key}' names ${pool.length} ${kind === "software" ? "software" : `${kind}s`} in ATT&CK ${version}: ` +
        `${pool.map(label).join(", ")}; ask again by id`,
    );
  throw await unknownObject(db, kind, version, key);
}

/** What to say when nothing of `kind` matches: the kind the key does name, or where to search instead. */
async function unknownObject(db: Db, kind: ObjectKind, version: string, key: string): Promise<AppError> {
  const other = OBJECT_KINDS.filter((k) => k !== kind);
  for (const k of other) {
    const byId = KINDS[k].id.test(key);
    const [hit] = await repo.findCandidates(db, k, version, key, byId);
    if (hit || byId) {
      const what = hit ? `the ${k} ${label(hit)}` : `a ${k} id`;
      const ref = hit?.attackId ?? key.toUpperCase();
      return notFound(
        `'${key}' is ${what}, not ${kind === "software" ? "software" : `a ${kind}`}: ` +
          `use ${LOOKUP_TOOL} (REST: /api/v1/attack/${KINDS[k].path}/${ref})`,
      );
    }
  }
  return notFound(
    `no ATT&CK ${version} ${kind} has the id, name or alias '${key}'; ` +
      "find techniques by behaviour with search_techniques (REST: /api/v1/attack/techniques?q=)",
  );
}

interface TechniquesPage {
  techniqueCount: number;
  rows: RelatedTechnique[];
  nextOffset: number | null;
}

/** A page of the techniques `stixId` uses or mitigates, with how many there are. */
async function techniquesPage(
  db: Db,
  version: string,
  stixId: string,
  relation: Relation,
  page: PageArgs,
): Promise<TechniquesPage> {
  const [techniqueCount, rows] = await Promise.all([
    repo.countRelatedTechniques(db, version, stixId, relation),
    repo.listRelatedTechniques(db, version, stixId, relation, page),
  ]);
  const end = page.offset + rows.length;
  return { techniqueCount, rows, nextOffset: end < techniqueCount ? end : null };
}

function snippet(text: string, chars = SNIPPET_CHARS): string {
  if (text.length <= chars) return text;
  const cut = text.slice(0, chars);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), chars / 2))}…`;
}

/** The description as given with `detail`; else its first paragraph, shortened, with links as plain names. */
function describe(text: string, page: PageArgs): string {
  if (page.detail) return text;
  const plain = text.replace(/\[([^\]]+)\]\(https?:[^)\s]*\)/g, "$1");
  return snippet(plain.split(/\n\s*\n/)[0] ?? "", SUMMARY_CHARS);
}

/** Techniques used (compact unless `detail`), and a few short procedures on a compact first page. */
function usedTechniques({ techniqueCount, rows, nextOffset }: TechniquesPage, page: PageArgs) {
  const techniques = rows.map((r) =>
    page.detail ? { id: r.id, name: r.name, procedure: r.text } : { id: r.id, name: r.name },
  );
  const procedureSample =
    page.detail || page.offset > 0
      ? null
      : rows
          .filter((r) => r.text.length > 0)
          .slice(0, SAMPLE_SIZE)
          .map((r) => ({ techniqueId: r.id, procedure: snippet(r.text) }));
  return { techniqueCount, techniques, procedureSample, nextOffset };
}

function softwareOf(all: SoftwareRefT[], page: PageArgs) {
  return { softwareCount: all.length, software: page.detail ? all : all.slice(0, SOFTWARE_SHOWN) };
}

function mustExist<T>(row: T | null, kind: ObjectKind, c: Candidate): T {
  if (!row) throw notFound(`${kind} ${c.attackId} vanished while it was read; try again`);
  return row;
}

/** The fields every ATT&CK object answers with. */
function objectHead(
  o: {
    attackId: string;
    stixId: string;
    name: string;
    description: string;
    url: string | null;
    revoked: boolean;
    deprecated: boolean;
  },
  version: string,
  page: PageArgs,
) {
  return {
    id: o.attackId,
    stixId: o.stixId,
    attackVersion: version,
    name: o.name,
    description: describe(o.description, page),
    url: o.url,
    revoked: o.revoked,
    deprecated: o.deprecated,
  };
}

export async function readGroup(db: Db, version: string, key: string, page: PageArgs): Promise<Paged<GroupT>> {
  const c = await resolveObject(db, "group", version, key);
  const [g, software, used] = await Promise.all([
    repo.getObject(db, "group", version, c.stixId),
    repo.softwareUsedBy(db, version, c.stixId),
    techniquesPage(db, version, c.stixId, "uses", page),
  ]);
  const group = mustExist(g, "group", c);
  return {
    ...objectHead(group, version, page),
    aliases: group.aliases,
    ...usedTechniques(used, page),
    ...softwareOf(software, page),
  };
}

/** Every technique a group uses, by id: what threat gaps compare an account with. */
export async function readGroupTechniqueIds(db: Db, version: string, key: string) {
  const c = await resolveObject(db, "group", version, key);
  const rows = await repo.listRelatedTechniques(db, version, c.stixId, "uses", { limit: -1, offset: 0 });
  return { group: { id: c.attackId, name: c.name }, techniqueIds: rows.map((r) => r.id) };
}

export async function readSoftware(db: Db, version: string, key: string, page: PageArgs): Promise<Paged<SoftwareT>> {
  const c = await resolveObject(db, "software", version, key);
  const [s, used] = await Promise.all([
    repo.getObject(db, "software", version, c.stixId),
    techniquesPage(db, version, c.stixId, "uses", page),
  ]);
  const software = mustExist(s, "software", c);
  return {
    ...objectHead(software, version, page),
    type: software.softwareType,
    aliases: software.aliases,
    platforms: software.platforms,
    ...usedTechniques(used, page),
  };
}

export async function readCampaign(db: Db, version: string, key: string, page: PageArgs): Promise<Paged<CampaignT>> {
  const c = await resolveObject(db, "campaign", version, key);
  const [row, groups, software, used] = await Promise.all([
    repo.getObject(db, "campaign", version, c.stixId),
    repo.groupsOfCampaign(db, version, c.stixId),
    repo.softwareUsedBy(db, version, c.stixId),
    techniquesPage(db, version, c.stixId, "uses", page),
  ]);
  const campaign = mustExist(row, "campaign", c);
  return {
    ...objectHead(campaign, version, page),
    aliases: campaign.aliases,
    firstSeen: campaign.firstSeen,
    lastSeen: campaign.lastSeen,
    attributedTo: groups,
    ...softwareOf(software, page),
    ...usedTechniques(used, page),
  };
}

export async function readMitigation(
  db: Db,
  version: string,
  key: string,
  page: PageArgs,
): Promise<Paged<MitigationT>> {
  const c = await resolveObject(db, "mitigation", version, key);
  const [row, mitigated] = await Promise.all([
    repo.getObject(db, "mitigation", version, c.stixId),
    techniquesPage(db, version, c.stixId, "mitigates", page),
  ]);
  const m = mustExist(row, "mitigation", c);
  return {
    ...objectHead(m, version, page),
    techniqueCount: mitigated.techniqueCount,
    techniques: mitigated.rows.map((r) =>
      page.detail ? { id: r.id, name: r.name, guidance: r.text } : { id: r.id, name: r.name },
    ),
    nextOffset: mitigated.nextOffset,
  };
}

export interface ProcedurePageT {
  attackVersion: string;
  techniqueId: string;
  total: number;
  items: ProcedureExampleT[];
  hasMore: boolean;
  nextOffset: number | null;
}

/** A page of a technique's procedure examples, ordered by the id of the group, software or campaign. */
export async function listProcedureExamples(
  db: Db,
  version: string,
  rawId: string,
  page: PageArgs,
): Promise<ProcedurePageT> {
  const id = parseTechniqueId(rawId);
  const t = await getTechnique(db, version, id);
  if (!t) throw notFound(`technique ${id} does not exist in ATT&CK ${version}; find its id with search_techniques`);
  const [total, items] = await Promise.all([
    repo.countProcedures(db, version, t.stixId),
    repo.listProcedures(db, version, t.stixId, page),
  ]);
  const end = page.offset + items.length;
  const hasMore = end < total;
  return { attackVersion: version, techniqueId: id, total, items, hasMore, nextOffset: hasMore ? end : null };
}
