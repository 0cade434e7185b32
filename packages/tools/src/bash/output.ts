/**
 * Collects a command's output up to a cap, keeping the beginning and the end (where build
 * errors and the working-directory trailer are), with a notice of what was left out.
 * Memory stays bounded whatever the command prints.
 */
export class CappedOutput {
  #head = '';
  #tail = '';
  #total = 0;

  constructor(
    private readonly headChars: number,
    private readonly tailChars: number,
  ) {}

  /** Appends decoded text. */
  push(text: string): void {
    this.#total += text.length;
    let rest = text;
    if (this.#head.length < this.headChars) {
      const take = this.headChars - this.#head.length;
      this.#head += rest.slice(0, take);
      rest = rest.slice(take);
    }
    if (rest.length === 0) return;
    this.#tail += rest;
    if (this.#tail.length > 2 * this.tailChars) this.#tail = this.#tail.slice(-this.tailChars);
  }

  /**
   * The collected text, with the last line that starts with `marker` taken out and returned
   * separately (the shell's final working directory).
   */
  finish(marker: string): { text: string; total: number; omitted: number; trailer?: string } {
    const tail = this.#tail.slice(-this.tailChars);
    const omitted = this.#total - this.#head.length - tail.length;
    // Without a gap the output is exactly head + tail; with one, the trailer is in the tail.
    let whole = omitted === 0 ? this.#head + tail : tail;
    let trailer: string | undefined;
    const at = whole.lastIndexOf(`\n${marker}`);
    if (at !== -1) {
      const end = whole.indexOf('\n', at + 1 + marker.length);
      trailer = whole.slice(at + 1 + marker.length, end === -1 ? undefined : end);
      whole = whole.slice(0, at) + (end === -1 ? '' : whole.slice(end + 1));
    }
    const removed = trailer === undefined ? 0 : trailer.length + marker.length + 2;
    const total = this.#total - removed;
    if (omitted === 0)
      return { text: whole, total, omitted: 0, ...(trailer === undefined ? {} : { trailer }) };
    const notice = `\n\n[... output truncated: ${omitted} of ${total} characters omitted ...]\n\n`;
    return {
      text: this.#head + notice + whole,
      total,
      omitted,
      ...(trailer === undefined ? {} : { trailer }),
    };
  }
}
