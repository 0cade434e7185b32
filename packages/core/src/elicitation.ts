import { z } from 'zod';
import type { SessionId } from './ids.js';

/**
 * One field an elicitation asks for. The shape follows MCP's `requestedSchema` (flat,
 * primitive properties) so an MCP server's request maps onto it without loss; `secret`
 * is ours: a frontend masks the input and the runtime never logs or audits the value.
 */
export const ElicitationFieldSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/),
  title: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  type: z.enum(['string', 'number', 'integer', 'boolean']),
  /** For `string`: the allowed values (a choice). */
  enum: z.array(z.string().max(200)).max(50).optional(),
  required: z.boolean().default(false),
  secret: z.boolean().default(false),
});

/** One field an elicitation asks for (see {@link ElicitationFieldSchema}). */
export type ElicitationField = z.infer<typeof ElicitationFieldSchema>;

/** What a human answers: one primitive value per field name. */
export type ElicitationContent = Readonly<Record<string, string | number | boolean>>;

/** How an elicitation ended: MCP's three results, plus `expired` when nobody answered in time. */
export type ElicitationOutcome = 'accept' | 'decline' | 'cancel' | 'expired';

/**
 * A question from an MCP server or a capsule to the human, asked through every attached
 * frontend; the first answer wins. `source` names who asks (`mcp://server`,
 * `capsule://name`): a frontend shows it, since the message itself is untrusted text.
 */
export interface ElicitationRequest {
  readonly id: string;
  readonly session: SessionId;
  readonly source: string;
  /** Untrusted text from the source: display it sanitised and labelled as theirs. */
  readonly message: string;
  readonly fields: readonly ElicitationField[];
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A field as an asker writes it (`required` and `secret` may be left out: false). */
export type ElicitationFieldInput = z.input<typeof ElicitationFieldSchema>;

/** What an asker (an MCP server, a capsule, a tool) gives the runtime to ask the human. */
export interface ElicitationQuestion {
  /** Who asks. Set by the runtime from who the asker is, never taken from the asker's text. */
  readonly source: string;
  readonly message: string;
  readonly fields: readonly ElicitationFieldInput[];
}

/** What the asker gets back: `content` only with `accept`. */
export interface ElicitationResult {
  readonly outcome: ElicitationOutcome;
  readonly content?: ElicitationContent;
}

/**
 * Checks an `accept` answer against the request's fields: no unknown name, every required
 * field present, each value of its field's type (`integer`: a whole number; `enum`: one of
 * the choices). Returns the first problem, naming the field but never quoting its value
 * (it may be a secret), or undefined when the answer fits. Frontends may call it before
 * sending; the runtime calls it on every answer.
 */
export function elicitationContentProblem(
  fields: readonly ElicitationField[],
  content: Readonly<Record<string, unknown>>,
): string | undefined {
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const name of Object.keys(content)) {
    if (!byName.has(name)) return `"${name.slice(0, 64)}" is not a field of this request`;
  }
  for (const field of fields) {
    const value = content[field.name];
    if (value === undefined) {
      if (field.required) return `"${field.name}" is required`;
      continue;
    }
    const problem = valueProblem(field, value);
    if (problem !== undefined) return `"${field.name}" ${problem}`;
  }
  return undefined;
}

function valueProblem(field: ElicitationField, value: unknown): string | undefined {
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') return `expected a string, got ${typeof value}`;
      if (field.enum !== undefined && !field.enum.includes(value))
        return `expected one of ${field.enum.length} choices`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${typeof value}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : `expected a finite number, got ${typeof value}`;
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? undefined
        : `expected an integer, got ${typeof value}`;
  }
}
