/**
 * @module The text an HTML extraction writes, as an append-only list of parts, each tagged with
 * the content regions (`<main>`, `<article>`, articleBody) it was written in. A block's text is
 * the tail from where it started, so a block judged furniture when it ends is taken back by
 * truncating: no second copy of the page is kept.
 */

export const PARA = "\n\n";
export const LINE = "\n";

/** Content regions, by preference; a part's scope has bit `1 << region` for each it is in. */
export const MAIN = 0;
export const ARTICLE = 1;
export const BODY = 2;
export const NONE = -1;

/** Text that makes a region the document whatever its share of the page (a short advisory). */
const MIN_REGION = 500;

export class TextOutput {
  private readonly parts: string[] = [];
  private readonly scopes: number[] = [];
  /** Characters written and not taken back. */
  chars = 0;

  get length(): number {
    return this.parts.length;
  }

  write(s: string, scope: number): void {
    this.parts.push(s);
    this.scopes.push(scope);
    this.chars += s.length;
  }

  /** Ends the line (LINE) or paragraph (PARA); breaks already written count, so two never make a blank line. */
  lineBreak(kind: typeof LINE | typeof PARA, scope: number): void {
    const last = this.parts[this.parts.length - 1];
    if (last === undefined) return;
    const have = last.endsWith(PARA) ? 2 : last.endsWith(LINE) ? 1 : 0;
    if (have < kind.length) this.write(kind.length - have === 2 ? PARA : LINE, scope);
  }

  /** True at the start of a line (or of the text). */
  atLineStart(): boolean {
    return this.parts[this.parts.length - 1]?.endsWith(LINE) ?? true;
  }

  /** The text written from part `from` on. */
  tail(from: number): string {
    return this.parts.slice(from).join("");
  }

  scopeAt(at: number): number | undefined {
    return this.scopes[at];
  }

  /** True when parts `from` to `to` are white space only. */
  blank(from: number, to = this.parts.length): boolean {
    for (let i = from; i < to; i++) if (/\S/.test(this.parts[i] ?? "")) return false;
    return true;
  }

  /** Takes back everything from part `n` on. */
  truncate(n: number): void {
    for (let i = n; i < this.parts.length; i++) this.chars -= this.parts[i]?.length ?? 0;
    this.parts.length = n;
    this.scopes.length = n;
  }

  /**
   * The document's text: the first region `wanted` whose text is at least `MIN_REGION`
   * characters or a fifth of the page's (a hero block marked `<main>` does not decide), else all.
   */
  text(wanted: readonly boolean[]): string {
    const inside = [0, 0, 0];
    let all = 0;
    for (let i = 0; i < this.parts.length; i++) {
      const n = visibleLength(this.parts[i] ?? "");
      all += n;
      const scope = this.scopes[i] ?? 0;
      for (let r = MAIN; r <= BODY; r++) if (scope & (1 << r)) inside[r] = (inside[r] ?? 0) + n;
    }
    for (let r = MAIN; r <= BODY; r++) {
      const n = inside[r] ?? 0;
      if (wanted[r] && n > 0 && (n >= MIN_REGION || n * 5 >= all))
        return this.parts.filter((_, i) => ((this.scopes[i] ?? 0) & (1 << r)) !== 0).join("");
    }
    return this.parts.join("");
  }
}

/** Characters other than white space. */
export function visibleLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 13 && c !== 12 && c !== 160) n++;
  }
  return n;
}
