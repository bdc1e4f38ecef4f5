export const SERVICE_NAME = "ttpscope";
export const SERVICE_VERSION = "0.1.0";
