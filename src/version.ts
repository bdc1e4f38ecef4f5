/**
 * @module The service's name and version: package.json is the one source (OpenAPI `info`, MCP
 * `serverInfo`, the CHANGELOG's headings follow it).
 */
import pkg from "../package.json";

export const SERVICE_NAME: string = pkg.name;
export const SERVICE_VERSION: string = pkg.version;
