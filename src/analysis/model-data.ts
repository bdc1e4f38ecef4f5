/**
 * @module Reading a model artifact: its JSON checked against the shape `model:build` writes, so a
 * truncated, foreign or older file is refused with what is wrong instead of failing later inside
 * the scorer. The arrays stay base64 strings here (loadModel decodes them). Pure.
 */
import { z } from "zod";
import { MODEL_FORMAT, type ModelData } from "./model";

/** Typed arrays as base64 (not checked character by character: they are megabytes, and decoding refuses bad ones). */
const Base64 = z.string();

const Stacker = z.object({
  features: z.array(z.string()),
  weights: z.array(z.number()),
  bias: z.number(),
  mean: z.array(z.number()),
  scale: z.array(z.number()),
});

const LexiconEntry = z.object({ hash: z.number().int(), technique: z.string(), precision: z.number() });

const ModelDataSchema: z.ZodType<ModelData> = z.lazy(() =>
  z.object({
    format: z.literal(MODEL_FORMAT),
    attackVersion: z.string().regex(/^\d+(\.\d+)*$/),
    info: z.record(z.string(), z.unknown()),
    techniques: z.array(z.object({ id: z.string(), name: z.string(), threshold: z.number() })).min(1),
    revoked: z.record(z.string(), z.string()),
    features: Base64,
    idf: Base64,
    postingStart: Base64,
    postingClass: Base64,
    postingWeight: Base64,
    bias: Base64,
    threshold: z.number(),
    stacker: Stacker.optional(),
    priors: Base64.optional(),
    offsets: Base64.optional(),
    charGrams: z.number().int().positive().optional(),
    lexicon: z.array(LexiconEntry).optional(),
    head: ModelDataSchema.optional(),
    headWeight: z.number().min(0).max(1).optional(),
  }),
);

export class InvalidModelError extends Error {
  override readonly name = "InvalidModelError";
}

/** The model in `json` (the artifact's text), or InvalidModelError saying what does not fit. */
export function parseModelData(json: string): ModelData {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new InvalidModelError(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = ModelDataSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  throw new InvalidModelError(`not a ${MODEL_FORMAT} model: ${where}${issue?.message ?? "invalid"}`);
}
