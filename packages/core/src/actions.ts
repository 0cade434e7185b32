import { z } from 'zod';
import { AstridError } from './errors.js';
import { JsonValueSchema } from './json.js';

/** How much harm an action can do if it should not have run. */
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export const RiskLevelSchema = z.enum(RISK_LEVELS);

/** Orders risk levels: negative when `a` is lower than `b`. */
export function compareRisk(a: RiskLevel, b: RiskLevel): number {
  return RISK_LEVELS.indexOf(a) - RISK_LEVELS.indexOf(b);
}

// Paths in actions are absolute and already normalised by whoever builds the action (the
// workspace boundary); a `..` segment or NUL byte here is a bug or an attack, never valid.
const AbsolutePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/'), 'expected an absolute path')
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte')
  .refine((p) => !p.split('/').some((s) => s === '..' || s === '.'), 'path contains a "." or ".." segment');

// Names that become one URI segment: no slash, no `..`, printable.
const Segment = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$/, 'expected a name of [A-Za-z0-9_.@+-]')
  .refine((s) => s !== '..', 'name may not be ".."');

// A DNS name or IPv4 address (dot-separated labels), or an IPv6 literal with or without
// brackets. Anything else (e.g. `x]:443`) would make `net://host:port` ambiguous, so it is
// refused rather than bracketed. A trailing dot is dropped: `evil.com.` is `evil.com`, and
// a host deny-list must not be bypassed by spelling the same name two ways.
const DNS_LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOSTNAME = new RegExp(`^(?:${DNS_LABEL}\\.)*${DNS_LABEL}\\.?$`);
const IPV6 = /^(?:\[[0-9a-f:.]*:[0-9a-f:.]*\]|[0-9a-f:.]*:[0-9a-f:.]*)$/;
const Host = z
  .string()
  .min(1)
  .max(253)
  .transform((h) => h.toLowerCase())
  .refine((h) => HOSTNAME.test(h) || IPV6.test(h), 'expected a hostname or IP address')
  .transform((h) => (h.endsWith('.') ? h.slice(0, -1) : h));
const Port = z.number().int().min(0).max(65535);
const HttpMethod = z
  .string()
  .regex(/^[A-Za-z]{1,16}$/, 'expected an HTTP method')
  .transform((m) => m.toUpperCase());

export const FileReadActionSchema = z.strictObject({ kind: z.literal('file_read'), path: AbsolutePath });
export const FileWriteActionSchema = z.strictObject({
  kind: z.literal('file_write'),
  path: AbsolutePath,
  /** BLAKE3 hex of the content to be written, when known: binds an approval to the bytes. */
  contentHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  bytes: z.number().int().nonnegative().optional(),
});
export const FileDeleteActionSchema = z.strictObject({ kind: z.literal('file_delete'), path: AbsolutePath });
export const ExecuteCommandActionSchema = z.strictObject({
  kind: z.literal('execute_command'),
  /** Parsed argv: argv[0] is the program as written; judged on what runs, not the string. */
  argv: z.array(z.string().refine((a) => !a.includes('\0'), 'argument contains a NUL byte')).min(1),
  cwd: AbsolutePath.optional(),
});
export const NetworkRequestActionSchema = z.strictObject({
  kind: z.literal('network_request'),
  host: Host,
  port: Port,
  method: HttpMethod,
  url: z.string().optional(),
});
export const TransmitDataActionSchema = z.strictObject({
  kind: z.literal('transmit_data'),
  host: Host,
  port: Port,
  bytes: z.number().int().nonnegative(),
  channel: z.string().max(64).optional(),
});
export const McpToolCallActionSchema = z.strictObject({
  kind: z.literal('mcp_tool_call'),
  server: Segment,
  tool: Segment,
  args: JsonValueSchema,
});
export const CapsuleExecutionActionSchema = z.strictObject({
  kind: z.literal('capsule_execution'),
  capsule: Segment,
  entry: Segment,
});
export const CapsuleHttpRequestActionSchema = z.strictObject({
  kind: z.literal('capsule_http_request'),
  capsule: Segment,
  host: Host,
  port: Port,
  method: HttpMethod,
});
export const CapsuleFileAccessActionSchema = z.strictObject({
  kind: z.literal('capsule_file_access'),
  capsule: Segment,
  path: AbsolutePath,
  mode: z.enum(['read', 'write']),
});
export const CapabilityGrantActionSchema = z.strictObject({
  kind: z.literal('capability_grant'),
  subject: Segment,
  resources: z.array(z.string().min(1)).min(1),
  scope: z.enum(['session', 'persistent']),
});
export const LlmRequestActionSchema = z.strictObject({
  kind: z.literal('llm_request'),
  provider: Segment,
  model: z.string().min(1).max(256),
  estimatedInputTokens: z.number().int().nonnegative().optional(),
  maxOutputTokens: z.number().int().nonnegative().optional(),
});

/** Every action that the SecurityInterceptor judges, as a discriminated union on `kind`. */
export const SensitiveActionSchema = z.discriminatedUnion('kind', [
  FileReadActionSchema,
  FileWriteActionSchema,
  FileDeleteActionSchema,
  ExecuteCommandActionSchema,
  NetworkRequestActionSchema,
  TransmitDataActionSchema,
  McpToolCallActionSchema,
  CapsuleExecutionActionSchema,
  CapsuleHttpRequestActionSchema,
  CapsuleFileAccessActionSchema,
  CapabilityGrantActionSchema,
  LlmRequestActionSchema,
]);
export type SensitiveAction = z.output<typeof SensitiveActionSchema>;
export type ActionKind = SensitiveAction['kind'];
/** The action variant with the given kind. */
export type ActionOf<K extends ActionKind> = Extract<SensitiveAction, { kind: K }>;

export const ACTION_KINDS = [
  'file_read',
  'file_write',
  'file_delete',
  'execute_command',
  'network_request',
  'transmit_data',
  'mcp_tool_call',
  'capsule_execution',
  'capsule_http_request',
  'capsule_file_access',
  'capability_grant',
  'llm_request',
] as const satisfies readonly ActionKind[];
export const ActionKindSchema = z.enum(ACTION_KINDS);

const DEFAULT_RISK: Record<ActionKind, RiskLevel> = {
  file_read: 'low',
  file_write: 'medium',
  file_delete: 'high',
  execute_command: 'high',
  network_request: 'medium',
  transmit_data: 'high',
  mcp_tool_call: 'medium',
  capsule_execution: 'medium',
  capsule_http_request: 'medium',
  capsule_file_access: 'medium',
  capability_grant: 'critical',
  llm_request: 'low',
};

/** The default risk of an action, before policy or context raise it. */
export function defaultRisk(action: SensitiveAction): RiskLevel {
  return DEFAULT_RISK[action.kind];
}

function hostPort(host: string, port: number): string {
  // IPv6 literals are bracketed so the port separator stays unambiguous.
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${h}:${port}`;
}

/**
 * The resource URI an action touches; capability tokens match their globs against it.
 * Paths are placed raw (not percent-encoded) so that a token pattern is written as a path.
 */
export function resourceUri(action: SensitiveAction): string {
  switch (action.kind) {
    case 'file_read':
    case 'file_write':
    case 'file_delete':
      return `file://${action.path}`;
    case 'execute_command':
      return `exec://${action.argv[0]}`;
    case 'network_request':
    case 'transmit_data':
      return `net://${hostPort(action.host, action.port)}`;
    case 'mcp_tool_call':
      return `mcp://${action.server}/${action.tool}`;
    case 'capsule_execution':
      return `capsule://${action.capsule}/execute/${action.entry}`;
    case 'capsule_http_request':
      return `capsule://${action.capsule}/http/${hostPort(action.host, action.port)}`;
    case 'capsule_file_access':
      return `capsule://${action.capsule}/fs_${action.mode}${action.path}`;
    case 'capability_grant':
      return `grant://${action.subject}`;
    case 'llm_request':
      return `llm://${action.provider}/${action.model}`;
  }
}

/** Validates untrusted input as a {@link SensitiveAction}, with an error naming what is wrong. */
export function parseAction(input: unknown): SensitiveAction {
  const result = SensitiveActionSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new AstridError('INVALID_ACTION', `invalid action at ${where}: ${issue?.message ?? 'unknown'}`, {
      cause: result.error,
    });
  }
  return result.data;
}
