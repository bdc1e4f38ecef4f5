export * from "./attack";
export * from "./reports";
export * from "./tenants";
export * from "./workflows";
