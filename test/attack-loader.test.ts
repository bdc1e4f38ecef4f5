import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { listVersionStats } from "../src/db/repos/attack";
import { createDb } from "../src/db/client";
import { loadFixture, SHIPPED_BUNDLE } from "./helpers";

describe("ATT&CK loader", () => {
  it("loads the shipped 18.1 bundle", async () => {
    const t0 = Date.now();
    const result = await loadFixture(SHIPPED_BUNDLE);
    console.log(Date.now() - t0, JSON.stringify(result));
    const stats = await listVersionStats(createDb(env.DB));
    expect(stats).toMatchObject([{ version: "18.1", active: true, techniques: 216, subtechniques: 475, tactics: 14, procedures: 16017 }]);
  });
});
