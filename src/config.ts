/**
 * @module The deployment's settings (wrangler.toml `[vars]`), parsed once per isolate with zod.
 * A value that is present but wrong is an error that names the variable, never a silent fallback:
 * the Worker answers every request with it (500 `invalid_config`) and `npm start` refuses to
 * start. Absent variables take their defaults. Pure: `scripts/start.ts` parses the same way.
 */
import { z } from "zod";
import { AppError } from "./errors";

export const DEFAULT_ATTACK_INDEX_URL =
  "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/index.json";

/** Which stored reports an ATT&CK refresh re-evaluates (see the README). */
export const REEVAL_SCOPES = ["changed", "updated", "all"] as const;

const int = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(min).max(max));
const flag = z.enum(["true", "false"], { error: 'must be "true" or "false"' }).transform((v) => v === "true");

const ConfigSchema = z.object({
  /** Days an audit row is kept; 0 keeps them for ever. */
  AUDIT_RETENTION_DAYS: int(0, 36_500).default(365),
  /** Check with DNS over HTTPS that a report URL's name does not point into a private network. */
  URL_DNS_CHECK: flag.default(true),
  FETCH_TIMEOUT_MS: int(100, 600_000).default(15_000),
  WORKFLOW_MAX_ATTEMPTS: int(1, 50).default(5),
  WORKFLOW_RETRY_BASE_MS: int(0, 3_600_000).default(2000),
  WORKFLOW_RETRY_CAP_MS: int(0, 86_400_000).default(60_000),
  WORKFLOW_STEP_DELAY_MS: int(0, 86_400_000).default(0),
  ATTACK_INDEX_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default(DEFAULT_ATTACK_INDEX_URL),
  /** Bundle URLs pass the same policy as report URLs (off only to refresh from a local server). */
  ATTACK_URL_CHECK: flag.default(true),
  REEVAL_SCOPE: z.enum(REEVAL_SCOPES, { error: `must be one of ${REEVAL_SCOPES.join(", ")}` }).default("changed"),
  WORKFLOW_STALE_MINUTES: int(1, 10_080).default(15),
  /** The period of the [[ratelimits]] bindings (10 or 60 s): what a 429's Retry-After says. */
  RATE_LIMIT_PERIOD_S: z
    .enum(["10", "60"], { error: 'must be "10" or "60", the period of the [[ratelimits]] bindings' })
    .transform(Number)
    .default(60),
});

export type Config = z.infer<typeof ConfigSchema>;

/** The variables the schema reads; anything else in the environment (bindings, secrets) is not its business. */
export const CONFIG_VARIABLES = Object.keys(ConfigSchema.shape) as (keyof Config)[];

export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super(500, "invalid_config", `the deployment's configuration is invalid: ${problems.join("; ")}`);
  }
}

/** Parses the variables; `""` counts as absent (wrangler's way of unsetting a var). */
export function parseConfig(vars: Partial<Record<string, unknown>>): Config {
  const present: Record<string, unknown> = Object.fromEntries(
    CONFIG_VARIABLES.map((name): [string, unknown] => [name, vars[name]]).filter(
      ([, v]) => v !== undefined && v !== "",
    ),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `${name}=${JSON.stringify(present[name])} ${i.message}`;
    }),
  );
}

const parsed = new WeakMap<object, Config>();

/** The Worker's configuration: parsed on first use per env object (per isolate), then reused. */
export function config(env: Env): Config {
  let c = parsed.get(env);
  if (!c) {
    c = parseConfig(env as unknown as Record<string, unknown>);
    parsed.set(env, c);
  }
  return c;
}
