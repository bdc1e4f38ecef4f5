/**
 * @module What every REST route file uses: the router factories (validation answered as our
 * uniform 400), the error schema, the security block and parameter helpers.
 */
import { OpenAPIHono, z, type Hook } from "@hono/zod-openapi";
import type { AppEnv, AuthedEnv } from "../api/context";
import { errorBody } from "../api/errors";
import { describeZodError } from "../errors";

/** Hook for @hono/zod-openapi validators: a uniform 400 instead of zod's raw error. */
export function validationHook<E extends AppEnv>(
  ...[result, c]: Parameters<Hook<unknown, E, string, unknown>>
): ReturnType<Hook<unknown, E, string, unknown>> {
  if (!result.success) {
    return c.json(errorBody("invalid_request", describeZodError(result.error, result.target)), 400);
  }
  return undefined;
}

/** A router for routes behind the API key (mounted under the authenticated part of the app). */
export const router = () => new OpenAPIHono<AuthedEnv>({ defaultHook: validationHook });

/** A router for routes that need no key (health) or prove the caller otherwise (signed webhooks). */
export const publicRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

export const ErrorResponse = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi("Error");

const errorContent = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorResponse } },
});

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const authErrors = {
  400: errorContent("Invalid request: the message says which field and why"),
  401: errorContent("Missing, invalid or revoked API key"),
  429: errorContent(
    "Over the key's request limit (or, for routes that start analyses, its analysis limit): retry after Retry-After seconds",
  ),
} as const;

/** Plus the answer of admin-only routes to a member key. */
export const adminErrors = { ...authErrors, 403: errorContent("The key is not an admin key of the tenant") } as const;

/** Plus the answer of deployment-wide routes to a key that is not an operator's. */
export const operatorErrors = { ...authErrors, 403: errorContent("The key is not an operator key") } as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const bearer = [{ bearerAuth: [] }];

/** A `true`/`false` query flag, false when absent, described once: REST's form of an MCP boolean. */
export const boolQuery = (description: string) =>
  z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .describe(description);

/** Path parameters from the domains' field schemas: each one documented as `{name}` in the path. */
export function pathParams<S extends Record<string, z.ZodType>>(shape: S) {
  const params = Object.fromEntries(
    Object.entries(shape).map(([name, field]) => [name, field.openapi({ param: { name, in: "path" } })]),
  ) as { [K in keyof S]: S[K] };
  return z.object(params);
}

export { errorContent };
