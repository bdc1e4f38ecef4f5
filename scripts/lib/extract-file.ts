/**
 * @module Text of a local file for the CLI. Plain text for now; HTML and PDF go through the same
 * extraction as the Worker once src/documents lands.
 */
export async function extractFile(name: string, bytes: Uint8Array): Promise<string> {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
