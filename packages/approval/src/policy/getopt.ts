import type { CommandWord } from './types.js';

/** Which options of a program take a value; everything else is a flag. */
export interface OptionSpec {
  /** Short option letters that take a value (`-o FILE`, `-oFILE`). */
  readonly short?: string;
  /** Long option names (without `--`) that take a value (`--output FILE`, `--output=FILE`). */
  readonly long?: readonly string[];
  /**
   * Stop at the first operand (wrappers: what follows is the command they run). Otherwise
   * options and operands may be interleaved, as GNU getopt permutes them.
   */
  readonly stopAtOperand?: boolean;
}

/** One option as given: `name` is a letter for short options and the full word for long ones. */
export interface ParsedOption {
  readonly name: string;
  readonly long: boolean;
  readonly value?: CommandWord;
}

export interface ParsedArgs {
  readonly options: readonly ParsedOption[];
  readonly operands: readonly CommandWord[];
  /** With `stopAtOperand`, the index in the input of the first operand (the wrapped command). */
  readonly rest: number;
}

function piece(word: CommandWord, value: string): CommandWord {
  return word.literal ? { value, literal: true, known: true } : { value, literal: false, known: word.known };
}

// GNU getopt accepts any unambiguous prefix of a long option (`--recur` for `--recursive`);
// a value-taking option is recognised by prefix too, so its value is never read as an operand.
function longTakesValue(name: string, spec: OptionSpec): string | undefined {
  const names = spec.long ?? [];
  if (names.includes(name)) return name;
  const hits = names.filter((n) => n.startsWith(name));
  return name.length >= 1 && hits.length > 0 ? hits[0] : undefined;
}

/** Splits a program's arguments into options and operands, GNU style. */
export function parseArgs(args: readonly CommandWord[], spec: OptionSpec = {}): ParsedArgs {
  const options: ParsedOption[] = [];
  const operands: CommandWord[] = [];
  const shortValued = spec.short ?? '';
  let i = 0;
  for (; i < args.length; i++) {
    const word = args[i] as CommandWord;
    const text = word.value;
    if (text === '--') {
      operands.push(...args.slice(i + 1));
      return { options, operands, rest: spec.stopAtOperand ? i + 1 : args.length };
    }
    if (text.startsWith('--') && text.length > 2) {
      const eq = text.indexOf('=');
      const name = eq === -1 ? text.slice(2) : text.slice(2, eq);
      if (eq !== -1) {
        options.push({ name, long: true, value: piece(word, text.slice(eq + 1)) });
      } else if (longTakesValue(name, spec) !== undefined && i + 1 < args.length) {
        options.push({ name, long: true, value: args[++i] as CommandWord });
      } else options.push({ name, long: true });
      continue;
    }
    if (text.startsWith('-') && text.length > 1) {
      for (let j = 1; j < text.length; j++) {
        const letter = text[j] as string;
        if (shortValued.includes(letter)) {
          const inline = text.slice(j + 1);
          if (inline !== '') options.push({ name: letter, long: false, value: piece(word, inline) });
          else if (i + 1 < args.length)
            options.push({ name: letter, long: false, value: args[++i] as CommandWord });
          else options.push({ name: letter, long: false });
          break;
        }
        options.push({ name: letter, long: false });
      }
      continue;
    }
    if (spec.stopAtOperand) return { options, operands: args.slice(i), rest: i };
    operands.push(word);
  }
  return { options, operands, rest: i };
}

/** True when a short letter or a long name (or an abbreviation of it) was given. */
export function hasOption(parsed: ParsedArgs, letter: string | undefined, long?: string): boolean {
  return parsed.options.some((o) =>
    o.long ? long !== undefined && o.name.length >= 1 && long.startsWith(o.name) : o.name === letter,
  );
}

/** Values of every occurrence of an option, by short letter or long name. */
export function optionValues(parsed: ParsedArgs, letter: string | undefined, long?: string): CommandWord[] {
  const out: CommandWord[] = [];
  for (const o of parsed.options) {
    const hit = o.long
      ? long !== undefined && o.name.length >= 1 && long.startsWith(o.name)
      : o.name === letter;
    if (hit && o.value !== undefined) out.push(o.value);
  }
  return out;
}
