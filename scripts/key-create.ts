/**
 * npm run -s key:create -- --tenant NAME [--name LABEL] [--admin | --operator] [--persist-to DIR]
 *
 * Creates the tenant if needed and a new API key for it in the local D1: a member key, a tenant admin
 * key, or an operator key (deployment-wide operations; no API can make one). The key is printed once,
 * alone on the last line of stdout; everything else goes to stderr.
 */
import { recordAudit } from "../src/audit/audit.service";
import { ensureTenant } from "../src/db/repos/tenants";
import { issueApiKey } from "../src/tenants/keys.service";
import { createDb } from "../src/db/client";
import { TENANT_NAME } from "../src/tenants/api-keys";
import { fail, flag, parseArgs } from "./lib/cli";
import { migrateLocal, withLocalDb } from "./lib/wrangler";

const { flags } = parseArgs(process.argv.slice(2));
const tenantName = flag(flags, "tenant");
if (!tenantName) fail("usage: npm run -s key:create -- --tenant NAME [--name LABEL] [--admin | --operator]");
if (flags.admin && flags.operator) fail("give --admin or --operator, not both");
if (!TENANT_NAME.test(tenantName))
  fail("a tenant name is 1–63 letters, digits, '.', '_' or '-', starting with a letter or digit");
const label = flag(flags, "name") ?? "cli";
const persistTo = flag(flags, "persist-to");

migrateLocal(persistTo);
const key = await withLocalDb(async (d1) => {
  const db = createDb(d1);
  const { tenant, created } = await ensureTenant(db, tenantName);
  const { key, apiKey } = await issueApiKey(
    db,
    tenant.id,
    label,
    flags.operator ? "operator" : flags.admin ? "admin" : "member",
  );
  await recordAudit(db, {
    tenantId: tenant.id,
    keyPrefix: null,
    action: "cli:key.create",
    target: apiKey.id,
    outcome: "success",
  });
  console.error(
    `${created ? "created tenant" : "tenant"} ${tenant.name} (id ${tenant.id}); new ${apiKey.role} key ${apiKey.prefix}… (id ${apiKey.id})`,
  );
  return key;
}, persistTo);
console.log(key);
