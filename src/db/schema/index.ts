export * from "./attack";
export * from "./models";
export * from "./reports";
export * from "./tenants";
export * from "./webhooks";
export * from "./workflows";
export * from "./coverage";
