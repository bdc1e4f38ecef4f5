/**
 * node scripts/run.mjs NAME [ARGS...]
 *
 * Runs scripts/NAME.ts as plain JavaScript, from a bundle cached in .build/cli (esbuild; packages
 * stay in node_modules). A CLI started through a TypeScript loader spends about 0.3 s in it, and
 * each of its worker threads pays again. The bundle's first line records the size and mtime of
 * every source file it was made from; it is rebuilt when one of them differs, or the bundle is gone.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Two levels below ROOT, as scripts/lib is: the scripts find the repository from where they run. */
const BUILD_DIR = path.join(ROOT, ".build", "cli");
/** Its version goes up with any change to the build settings below, so bundles made with the old ones are rebuilt. */
const MARK = "// ttpscope-bundle v1 ";

const [name = "", ...args] = process.argv.slice(2);
const entry = path.join(ROOT, "scripts", `${name}.ts`);
if (!/^[a-z][a-z0-9-]*$/.test(name) || !fs.existsSync(entry)) {
  console.error(`error: no script scripts/${name}.ts (usage: node scripts/run.mjs NAME [ARGS...])`);
  process.exit(1);
}
const bundle = path.join(BUILD_DIR, `${name}.mjs`);

/**
 * @param {string} file path relative to ROOT
 * @returns {fs.Stats | null}
 */
function statOf(file) {
  try {
    return fs.statSync(path.join(ROOT, file));
  } catch {
    return null;
  }
}

/**
 * How the bundle records a source file.
 * @param {fs.Stats} s
 */
const stampOf = (s) => `${s.size}:${s.mtimeMs}`;

/** Whether the cached bundle was made by these settings from the sources as they are now. */
function isFresh() {
  try {
    const head = fs.readFileSync(bundle, "utf8").split("\n", 1)[0] ?? "";
    if (!head.startsWith(MARK)) return false;
    /** @type {unknown} */
    const parsed = JSON.parse(head.slice(MARK.length));
    if (typeof parsed !== "object" || parsed === null) return false;
    const inputs = /** @type {Record<string, string>} */ (parsed);
    return (
      Object.keys(inputs).length > 0 &&
      Object.entries(inputs).every(([file, stamp]) => {
        const s = statOf(file);
        return s !== null && stampOf(s) === stamp;
      })
    );
  } catch {
    return false;
  }
}

async function build() {
  const { build: esbuild } = await import("esbuild");
  const started = Date.now();
  const result = await esbuild({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: false,
    metafile: true,
    outfile: bundle,
    logLevel: "error",
  });
  /** @type {Record<string, string>} */
  const inputs = {};
  for (const file of Object.keys(result.metafile?.inputs ?? {})) {
    const s = statOf(file);
    // A file saved (or removed) while esbuild ran may not be in the bundle as it is now: never fresh.
    inputs[file] = s && s.mtimeMs < started ? stampOf(s) : "changed during build";
  }
  const output = result.outputFiles?.find((f) => f.path.endsWith(".mjs"));
  if (!output) throw new Error(`esbuild wrote no bundle for ${entry}`);
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  // Another run may be reading the bundle: replace it whole.
  const partial = `${bundle}.${process.pid}.partial`;
  fs.writeFileSync(partial, `${MARK}${JSON.stringify(inputs)}\n${output.text}`);
  fs.renameSync(partial, bundle);
}

/** The script from its source, through the TypeScript loader, when no bundle can be written here. */
async function runSource() {
  const { register } = await import("tsx/esm/api");
  register();
  process.argv = [process.execPath, entry, ...args];
  await import(pathToFileURL(entry).href);
}

let bundled = true;
if (!isFresh()) {
  try {
    await build();
  } catch (e) {
    // esbuild has printed what is wrong with the sources. Failing to write the bundle is not fatal.
    if (e && typeof e === "object" && "errors" in e) {
      console.error(`error: could not build scripts/${name}.ts (esbuild's errors are above)`);
      process.exit(1);
    }
    console.error(
      `warning: cannot write ${bundle} (${e instanceof Error ? e.message : String(e)}); running from the sources, which starts slower`,
    );
    bundled = false;
  }
}
if (bundled) {
  // The script reads its arguments from process.argv, as when run directly.
  process.argv = [process.execPath, bundle, ...args];
  await import(pathToFileURL(bundle).href);
} else await runSource();
