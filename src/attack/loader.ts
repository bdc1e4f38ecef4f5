/**
 * @module Streams an ATT&CK STIX 2.x bundle (gzipped or not) into the ATT&CK cache in D1.
 *
 * The same code runs in the Worker (the refresh workflow hands it a fetched body) and from Node
 * (`npm run attack:load`, through wrangler's platform proxy). The bundle is parsed object by
 * object and written in batches, so memory stays flat whatever the bundle's size.
 *
 * A version is written under `status = 'loading'` and only turns `ready` (and maybe active) in the
 * final batch; on any failure its rows are deleted, so a bad bundle never changes what is served.
 * Loading a version that is already `ready` stops after the collection object: nothing changes.
 */
import { JSONParser } from "@streamparser/json";
import { createDb, type Db } from "../db/client";
import { activateVersion } from "../db/repos/attack";
import {
  activeVersionName,
  deleteVersion,
  finishVersion,
  insertLoadingVersion,
  insertVersionRows,
  isActive,
  renameVersion,
  versionStatus,
} from "../db/repos/attack-versions";
import { AppError, describeError } from "../errors";
import {
  compareVersions,
  METADATA_TYPES,
  stixObjectProblem,
  toRows,
  type RowSet,
  type RowTable,
  type StixObject,
} from "./stix";

export interface LoadProgress {
  objects: number;
  rows: number;
  /** Bytes of the body read so far (compressed bytes for a gzipped body). */
  bytes: number;
}

export interface LoadOptions {
  /** Version the caller expects (e.g. from the release index); the bundle must agree. */
  version?: string;
  /** `auto` (default) activates the version when none is active or it is newer than the active one. */
  activate?: "auto" | "always" | "never";
  onProgress?: (p: LoadProgress) => void;
  /** Rows buffered before a D1 batch is sent. */
  batchRows?: number;
}

export interface LoadResult {
  version: string;
  status: "loaded" | "unchanged";
  active: boolean;
  objects: number;
  rows: number;
  tables: Partial<Record<RowTable, number>>;
  /** Objects not kept, by reason (identity, marking-definition, data sources …). */
  skipped: Record<string, number>;
  durationMs: number;
}

const PROGRESS_EVERY = 2000;

const invalid = (message: string) => new AppError(422, "invalid_bundle", message);

/** Thrown inside the load to stop reading when the version is already loaded. */
class AlreadyLoaded extends Error {
  constructor(readonly version: string) {
    super(`ATT&CK ${version} is already loaded`);
  }
}

export async function loadAttackBundle(
  d1: D1Database,
  body: ReadableStream<Uint8Array>,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const load = new BundleLoad(createDb(d1), options);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const { stream, bytesRead } = await decode(body);
    reader = stream.getReader();
    const parser = new JSONParser({ paths: ["$.type", "$.objects.*"], keepStack: false });
    const values: unknown[] = [];
    parser.onValue = ({ value, key }) => {
      if (key === "type") load.bundleType = value;
      else values.push(value);
    };
    for (;;) {
      // Errors of the stream itself (a cut download, corrupt gzip) are the bundle's fault.
      const chunk = await reader.read().catch((e: unknown): never => {
        throw invalid(`the bundle could not be read: ${describeError(e)}`);
      });
      if (chunk.done) break;
      try {
        parser.write(chunk.value);
      } catch (e) {
        throw invalid(`not valid JSON: ${describeError(e)}`);
      }
      for (const value of values.splice(0)) await load.add(value, bytesRead());
    }
    try {
      // The parser ends itself after a complete top-level value; still open means the body stopped early.
      if (!parser.isEnded) parser.end();
    } catch (e) {
      throw invalid(`the bundle ends early: ${describeError(e)}`);
    }
    for (const value of values.splice(0)) await load.add(value, bytesRead());
    return await load.finish();
  } catch (e) {
    await reader?.cancel().catch(() => undefined);
    if (e instanceof AlreadyLoaded) return load.unchanged(e.version);
    await load.discard();
    throw e;
  }
}

/** Undoes gzip when the body starts with its magic bytes; counts the bytes read either way. */
async function decode(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  let bytes = 0;
  const first = await reader.read().catch((e: unknown): never => {
    throw invalid(`the bundle could not be read: ${describeError(e)}`);
  });
  if (!first.done) bytes += first.value.byteLength;
  const raw = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(first.value);
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) return controller.close();
      bytes += next.value.byteLength;
      controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzipped = !first.done && first.value[0] === 0x1f && first.value[1] === 0x8b;
  if (!gzipped) return { stream: raw, bytesRead: () => bytes };
  const gunzip = new DecompressionStream("gzip");
  void feed(raw, gunzip.writable);
  return { stream: gunzip.readable, bytesRead: () => bytes };
}

/**
 * Copies `from` into `to` by hand rather than with pipeTo: a cut or corrupt gzip then fails in our
 * own awaited calls (and reaches the reader as a stream error) instead of escaping as an
 * unhandled rejection inside the runtime's pipe.
 */
async function feed(from: ReadableStream<Uint8Array>, to: WritableStream<Uint8Array>): Promise<void> {
  const reader = from.getReader();
  const writer = to.getWriter();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      await writer.write(next.value);
    }
    await writer.close();
  } catch (e) {
    await writer.abort(e).catch(() => undefined);
    await reader.cancel(e).catch(() => undefined);
  }
}

class BundleLoad {
  bundleType: unknown;
  private readonly started = Date.now();
  private readonly batchRows: number;
  private buffers: RowSet = {};
  private buffered = 0;
  private objects = 0;
  private rows = 0;
  private readonly tables: Partial<Record<RowTable, number>> = {};
  private readonly skipped: Record<string, number> = {};
  /** Version from the bundle's collection (or the caller). */
  private version: string | undefined;
  /** Key the rows are written under: the version, or a staging key until the collection is seen. */
  private rowKey: string | undefined;
  private tacticOrder: string[] = [];
  private meta: { name?: string; releasedAt?: string; specVersion?: string } = {};

  constructor(
    private readonly db: Db,
    private readonly options: LoadOptions,
  ) {
    this.batchRows = options.batchRows ?? 1500;
    this.version = options.version;
  }

  async add(value: unknown, bytes: number): Promise<void> {
    if (this.bundleType !== undefined && this.bundleType !== "bundle") {
      throw invalid(`not a STIX bundle: its type is ${JSON.stringify(this.bundleType)}`);
    }
    const problem = stixObjectProblem(value);
    if (problem) throw invalid(`object #${this.objects + 1} of the bundle is not a STIX object: it ${problem}`);
    const o = value as StixObject;
    this.objects++;
    if (METADATA_TYPES.has(o.type)) await this.readMetadata(o);
    else {
      // The version key is set on every row at flush time (it may not be known yet).
      const rows = toRows(o, "");
      if ("skipped" in rows) this.skipped[rows.skipped] = (this.skipped[rows.skipped] ?? 0) + 1;
      else this.buffer(rows);
    }
    if (this.buffered >= this.batchRows) await this.flush();
    if (this.objects % PROGRESS_EVERY === 0)
      this.options.onProgress?.({ objects: this.objects, rows: this.rows, bytes });
  }

  private async readMetadata(o: StixObject): Promise<void> {
    if (o.type === "x-mitre-matrix") {
      const domain = o.external_references?.find((r) => r.source_name === "mitre-attack")?.external_id;
      if (domain && domain !== "enterprise-attack") {
        throw invalid(`only Enterprise ATT&CK is supported; this bundle's matrix is '${domain}'`);
      }
      this.tacticOrder = o.tactic_refs ?? [];
      return;
    }
    // x-mitre-collection: the release this bundle is.
    const version = o.x_mitre_version;
    if (!version || !/^\d+(\.\d+)*$/.test(version))
      throw invalid("the bundle's x-mitre-collection has no valid x_mitre_version");
    if (this.options.version && this.options.version !== version) {
      throw invalid(`expected ATT&CK ${this.options.version} but the bundle is ${version}`);
    }
    this.version = version;
    this.meta = { name: o.name, releasedAt: o.modified, specVersion: o.x_mitre_attack_spec_version };
    // Claim the version now: a version already loaded stops the load before any row is written.
    if (!this.rowKey) await this.ensureRowKey();
    else if (this.rowKey !== version) await this.promoteStaging(version);
  }

  private buffer(rows: RowSet): void {
    for (const [table, list] of Object.entries(rows) as [RowTable, Record<string, unknown>[]][]) {
      const target = (this.buffers[table] ??= []) as Record<string, unknown>[];
      target.push(...list);
      this.buffered += list.length;
    }
  }

  /** Creates the version row (or a staging one while the version is unknown). */
  private async ensureRowKey(): Promise<string> {
    if (this.rowKey) return this.rowKey;
    const key = this.version ?? `staging-${crypto.randomUUID()}`;
    if (this.version) await this.clearStale(this.version);
    await insertLoadingVersion(this.db, key);
    this.rowKey = key;
    return key;
  }

  /** A ready version means there is nothing to do; a half-loaded one is removed and loaded again. */
  private async clearStale(version: string): Promise<void> {
    const status = await versionStatus(this.db, version);
    if (status === "ready") throw new AlreadyLoaded(version);
    if (status) await deleteVersion(this.db, version);
  }

  private async promoteStaging(version: string): Promise<void> {
    const staging = this.rowKey as string;
    try {
      await this.clearStale(version);
    } catch (e) {
      await deleteVersion(this.db, staging);
      this.rowKey = undefined;
      throw e;
    }
    await renameVersion(this.db, staging, version);
    this.rowKey = version;
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    const key = await this.ensureRowKey();
    for (const [name, list] of Object.entries(this.buffers) as [RowTable, Record<string, unknown>[]][]) {
      this.tables[name] = (this.tables[name] ?? 0) + list.length;
      this.rows += list.length;
    }
    const rows = this.buffers;
    this.buffers = {};
    this.buffered = 0;
    await insertVersionRows(this.db, key, rows);
  }

  async finish(): Promise<LoadResult> {
    if (this.bundleType !== "bundle") throw invalid('not a STIX bundle: no top-level "type": "bundle"');
    if (!this.version) throw invalid("the bundle has no x-mitre-collection saying which ATT&CK version it is");
    if (!this.tables.techniques)
      throw invalid("the bundle holds no ATT&CK techniques (attack-pattern objects with an ATT&CK id)");
    await this.flush();
    const version = this.version;
    const activate = await this.shouldActivate(version);
    await finishVersion(this.db, version, {
      tacticOrder: this.tacticOrder,
      activate,
      meta: this.meta,
      objectCount: this.objects,
    });
    return this.result(version, "loaded", activate);
  }

  private async shouldActivate(version: string): Promise<boolean> {
    const mode = this.options.activate ?? "auto";
    if (mode !== "auto") return mode === "always";
    const current = await activeVersionName(this.db);
    return !current || compareVersions(version, current) > 0;
  }

  /** Nothing to load; the version may still become active (e.g. none is active any more). */
  async unchanged(version: string): Promise<LoadResult> {
    if (await isActive(this.db, version)) return this.result(version, "unchanged", true);
    const activate = await this.shouldActivate(version);
    // AlreadyLoaded means the row is ready, so activateVersion's guard lets it through.
    if (activate) await activateVersion(this.db, version);
    return this.result(version, "unchanged", activate);
  }

  /** Removes whatever this load wrote; the cascade takes every row of the version with it. */
  async discard(): Promise<void> {
    if (!this.rowKey) return;
    await deleteVersion(this.db, this.rowKey);
    this.rowKey = undefined;
  }

  private result(version: string, status: LoadResult["status"], active: boolean): LoadResult {
    return {
      version,
      status,
      active,
      objects: this.objects,
      rows: this.rows,
      tables: this.tables,
      skipped: this.skipped,
      durationMs: Date.now() - this.started,
    };
  }
}
