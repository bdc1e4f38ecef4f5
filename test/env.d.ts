import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      TEST_DOWN_MIGRATIONS: D1Migration[];
      /** True where ../shared/data exists (CI, dev machines); tests over it are skipped elsewhere. */
      HAS_SHARED_DATA: boolean;
      /** Serves files to tests: /repo/<path> from this checkout, /shared/<path> from ../shared/data. */
      FIXTURES: Fetcher;
      /** The OASIS STIX 2.1 JSON schemas (test/fixtures/stix2-schemas), each with its `$id`. */
      STIX_SCHEMAS: { $id: string }[];
      /** Runs `npm run analyze`'s command line on files it is sent (test/setup/cli-service.ts). */
      CLI: Fetcher;
      /** A rate limiter of 2 requests a minute, for the test that proves the 429. */
      TIGHT_RATE_LIMIT: RateLimit;
    }
  }
}
