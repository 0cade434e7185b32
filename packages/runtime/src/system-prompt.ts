import type { Tool } from '@astrid/tools';
import type { UntrustedFraming } from './untrusted.js';

/** What the system prompt is built from. */
export interface SystemPromptInput {
  readonly workspace: string;
  readonly mode: string;
  readonly tools: readonly Tool[];
  readonly framing: UntrustedFraming;
  /** For a sub-agent: its depth and task. */
  readonly subagent?: { readonly depth: number; readonly task: string };
}

/**
 * The system prompt: who the agent is, where it works, which tools it has, how Astrid's
 * approvals and denials work, and how untrusted data is framed. Capsule context is added
 * by a later issue.
 */
export function buildSystemPrompt(input: SystemPromptInput): string {
  const tools = input.tools.map((t) => `- ${t.name}: ${t.description.split('\n')[0] ?? ''}`).join('\n');
  const parts = [
    'You are an AI agent running inside Astrid, a secure runtime for AI agents.',
    `Workspace: ${input.workspace} (workspace mode: ${input.mode}). Relative paths are resolved against it.`,
    `Tools:\n${tools.length > 0 ? tools : '(none)'}`,
    "Every action you propose passes Astrid's security interceptor (policy, capability tokens, budget, human approval, audit). Some actions wait for a human; a denial comes back as a failed tool result with the reason. Respect it: do not retry the same effect in another form.",
    input.framing.instructions(),
  ];
  if (input.subagent !== undefined) {
    parts.push(
      `You are a sub-agent (depth ${input.subagent.depth}) working on one task for another agent: ${input.subagent.task}. Your authority is no larger than your parent's. Finish with a reply that reports the result.`,
    );
  }
  return parts.join('\n\n');
}
