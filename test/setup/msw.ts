/**
 * One msw server for every test file: a request to the outside that no handler answers is an
 * error, so no test reaches the real network (DNS included). A file declares its handlers with
 * `useHandlers(...)`; a test adds its own with `server.use(...)`, which are dropped after it.
 */
import type { RequestHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

export const server = setupServer();
let fileHandlers: RequestHandler[] = [];

/** The handlers of this test file, in place for every test of it. */
export function useHandlers(...handlers: RequestHandler[]): void {
  fileHandlers = handlers;
  server.resetHandlers(...handlers);
}

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers(...fileHandlers));
afterAll(() => server.close());
