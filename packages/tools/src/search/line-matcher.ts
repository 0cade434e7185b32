import { createContext, Script } from 'node:vm';
import { ToolError } from '../errors.js';

/** Lines longer than this are not tested against the pattern (a bound on regex work). */
export const GREP_MAX_LINE_CHARS = 10_000;

// Runs inside a vm context so that `timeout` can interrupt it: V8 can stop a regex that
// backtracks catastrophically only through the vm watchdog; in the main context a pattern
// like (a+)+$ on a long line would freeze the daemon, kill switch included.
const SCAN = new Script(`(() => {
  const out = [];
  const len = text.length;
  let start = 0;
  let n = 0;
  while (start < len) {
    let end = text.indexOf('\\n', start);
    if (end === -1) end = len;
    if (end - start <= maxLine) {
      re.lastIndex = 0;
      if (re.test(text.slice(start, end))) out.push(n);
    }
    n++;
    start = end + 1;
  }
  return out;
})()`);

interface ScanContext {
  re: RegExp;
  text: string;
  maxLine: number;
}

/** Matches a regular expression line by line with a time limit per file. */
export class LineMatcher {
  readonly #context: ScanContext;
  readonly #timeoutMs: number;

  /** Throws a ToolError naming the pattern if it is not a valid JavaScript regular expression. */
  constructor(pattern: string, caseInsensitive: boolean, timeoutMs: number) {
    let re: RegExp;
    try {
      re = new RegExp(pattern, caseInsensitive ? 'i' : '');
    } catch (err) {
      throw new ToolError(`"pattern" is not a valid regular expression: ${(err as Error).message}`);
    }
    this.#context = createContext({ re, text: '', maxLine: GREP_MAX_LINE_CHARS }) as ScanContext;
    this.#timeoutMs = timeoutMs;
  }

  /** 0-based indexes of the lines of `text` that match; throws a ToolError past the time limit. */
  matchingLines(text: string, label: string): number[] {
    this.#context.text = text;
    try {
      const found = SCAN.runInContext(this.#context, { timeout: this.#timeoutMs }) as number[];
      return Array.from(found);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new ToolError(
          `the pattern took more than ${this.#timeoutMs} ms on ${label}; it may backtrack ` +
            'catastrophically (nested quantifiers such as (a+)+). Simplify it.',
        );
      }
      throw err;
    } finally {
      this.#context.text = '';
    }
  }
}
