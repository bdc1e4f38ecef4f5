/**
 * npm run -s analyze -- [--threshold X] [--model FILE] FILE...
 *
 * Maps each file (.txt, .md, .html, .htm, .pdf, or - for standard input) to ATT&CK techniques
 * with the product's engine and model, printing one JSON line per file, in order:
 *   {"file","attackVersion","techniques":[{"id","name","confidence","evidence":[{"text","start","end"}]}]}
 * A file that cannot be read or parsed gives {"file","error"}; the exit code is then 1, after
 * every other file has been done.
 */
import fs from "node:fs";
import { analyzeText } from "../src/analysis/engine";
import { extractFile } from "./lib/extract-file";
import { DEFAULT_MODEL, readModel } from "./lib/model-file";
import { fail, flag, parseArgs } from "./lib/cli";
import { describeError } from "../src/errors";

const { flags, positional } = parseArgs(process.argv.slice(2));
if (positional.length === 0 || flags.help) fail("usage: npm run -s analyze -- [--threshold X] [--model FILE] FILE... (- reads stdin)");
const thresholdFlag = flag(flags, "threshold");
const threshold = thresholdFlag === undefined ? undefined : Number(thresholdFlag);
if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) fail("--threshold takes a number between 0 and 1");

const model = readModel(flag(flags, "model") ?? DEFAULT_MODEL);
let failures = 0;
for (const file of positional) {
  try {
    const bytes = file === "-" ? fs.readFileSync(0) : fs.readFileSync(file);
    const text = await extractFile(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const result = analyzeText(text, model, { threshold });
    const techniques = result.techniques.map((t) => ({
      id: t.id,
      name: t.name,
      confidence: t.confidence,
      evidence: t.evidence,
      ...(t.note ? { note: t.note } : {}),
    }));
    process.stdout.write(`${JSON.stringify({ file, attackVersion: result.attackVersion, techniques })}\n`);
  } catch (e) {
    failures++;
    process.stdout.write(`${JSON.stringify({ file, error: describeError(e) })}\n`);
  }
}
process.exitCode = failures ? 1 : 0;
