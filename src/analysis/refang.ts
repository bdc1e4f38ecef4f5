/**
 * @module Placeholder until the document-intake work lands: identity refang.
 */
export function refang(text: string): { text: string; toOriginal(offset: number): number } {
  return { text, toOriginal: (offset) => offset };
}
