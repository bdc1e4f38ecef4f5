/**
 * @module Worker entry: HTTP (REST, MCP, OpenAPI), cron, and the workflow Durable Object class.
 */
import { createApp } from "./app";
import { runScheduled } from "./scheduled";

export { WorkflowObject } from "./workflows/workflow-object";

const app = createApp();

// `satisfies` keeps the handler's exact type (for tests) while checking it against the runtime's.
export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller, env));
  },
} satisfies ExportedHandler<Env>;
