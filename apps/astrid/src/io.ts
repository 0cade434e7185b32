import { safeJson, sanitize } from './sanitize.js';

/** Exit codes: stable, documented in the README. */
export const EXIT = { ok: 0, error: 1, usage: 2, verificationFailed: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Where the CLI reads its environment and writes its output (injected by tests). */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** The terminal streams for `astrid chat` and `astrid daemon run`; default the process's own. */
  readonly streams?: {
    readonly stdin: NodeJS.ReadStream;
    readonly stdout: NodeJS.WriteStream;
    readonly stderr: NodeJS.WriteStream;
  };
}

/** A failure the user can act on: one line naming the problem and the fix. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.error,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Writes the CLI's output; untrusted text goes through {@link sanitize} first. */
export class Output {
  constructor(private readonly io: CliIo) {}

  /** One line of text that may hold daemon-supplied strings (sanitised). */
  line(text = ''): void {
    this.io.stdout(`${sanitize(text)}\n`);
  }

  /** Multi-line untrusted text (a diff): newlines kept, everything else sanitised. */
  block(text: string): void {
    this.io.stdout(`${sanitize(text, { multiline: true })}\n`);
  }

  /** Machine-readable output: the value as JSON (invisible characters escaped). */
  json(value: unknown): void {
    this.io.stdout(`${safeJson(value)}\n`);
  }

  /** Rows as aligned columns; every cell sanitised. */
  table(header: readonly string[], rows: readonly (readonly string[])[]): void {
    const all = [header, ...rows].map((r) => r.map((c) => sanitize(c)));
    const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    for (const row of all) {
      this.io.stdout(
        `${row
          .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}\n`,
      );
    }
  }
}
