import type { ModelConfig, ModelPricing } from '@astrid/config';
import { AstridError } from '@astrid/core';
import {
  createProvider,
  type Env,
  type JsonObject,
  type LlmEvent,
  type LlmMessage,
  type LlmProvider,
  type LlmRequest,
  type ProviderOptions,
  type StreamOptions,
} from '@astrid/llm';

/** Every line the demo writes starts with this label, so nobody mistakes it for a model. */
export const DEMO_LABEL = '[demo]';

/** The demo costs nothing. */
export const DEMO_PRICING: ModelPricing = {
  input_micro_usd_per_mtok: 0,
  output_micro_usd_per_mtok: 0,
  cache_read_micro_usd_per_mtok: 0,
  cache_write_micro_usd_per_mtok: 0,
};

/** The name of the demo's scratch file in the workspace. */
export const DEMO_FILE = 'astrid-demo.txt';

interface DemoStep {
  readonly text: string;
  readonly call?: { readonly name: string; readonly arguments: JsonObject };
}

function lastResult(messages: readonly LlmMessage[]): { content: string; isError: boolean } | undefined {
  const last = messages[messages.length - 1];
  if (last?.role !== 'tool_results') return undefined;
  const r = last.results[0];
  return r === undefined ? undefined : { content: r.content, isError: r.isError === true };
}

// A file name from a directory listing, whatever its exact format: the first token that
// looks like a text file, else README.md.
function pickFile(listing: string | undefined): string {
  const names =
    listing?.match(/[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:md|txt|json|toml|ya?ml|ts|js|py|rs|go)\b/g) ?? [];
  return names.find((n) => n !== DEMO_FILE) ?? 'README.md';
}

function outcome(result: { content: string; isError: boolean } | undefined): string {
  if (result === undefined) return '';
  if (/denied|refused|blocked/i.test(result.content))
    return 'Astrid stopped that one, and I got the reason back as a tool result. ';
  return result.isError ? 'That came back as an error (see the tool result). ' : 'That went through. ';
}

function script(messages: readonly LlmMessage[], step: number): DemoStep {
  const before = outcome(lastResult(messages));
  const steps: DemoStep[] = [
    {
      text: `${DEMO_LABEL} Hello! I am Astrid's built-in demo agent. No model is configured, so this is a scripted walk-through, not an AI: every step below goes through the real security interceptor. First, listing the workspace (reads inside the workspace are allowed in guided mode).`,
      call: { name: 'list_directory', arguments: { path: '.' } },
    },
    {
      text: `${DEMO_LABEL} ${before}Now reading a file from the workspace.`,
      call: { name: 'read_file', arguments: { path: '' } },
    },
    {
      text: `${DEMO_LABEL} ${before}Next I propose writing a new file, ${DEMO_FILE}. Writes ask first: you see the diff and decide.`,
      call: {
        name: 'write_file',
        arguments: { path: DEMO_FILE, content: 'Written by the Astrid demo.\nThis line will be edited.\n' },
      },
    },
    {
      text: `${DEMO_LABEL} ${before}Now an edit to that file: again a diff to approve.`,
      call: {
        name: 'edit_file',
        arguments: {
          path: DEMO_FILE,
          old_string: 'This line will be edited.',
          new_string: 'This line was edited, with your approval.',
        },
      },
    },
    {
      text: `${DEMO_LABEL} ${before}Now I try to delete it with rm: deleting a file is a high-risk file_delete, so Astrid asks before it happens.`,
      call: { name: 'bash', arguments: { command: `rm ${DEMO_FILE}`, description: 'delete the demo file' } },
    },
    {
      text: `${DEMO_LABEL} ${before}Now something an agent must never do: sudo. It is on the admin's blocked_commands list, so no approval can allow it.`,
      call: {
        name: 'bash',
        arguments: { command: 'sudo cat /etc/shadow', description: 'try privilege escalation' },
      },
    },
    {
      text: `${DEMO_LABEL} ${before}Now a read outside the workspace: /etc/passwd is outside it and on the denied_paths list.`,
      call: { name: 'read_file', arguments: { path: '/etc/passwd' } },
    },
    {
      text: `${DEMO_LABEL} ${before}Last, an ordinary command. Commands always ask unless they match allowed_commands.`,
      call: { name: 'bash', arguments: { command: 'ls -la', description: 'list the workspace' } },
    },
    {
      text: `${DEMO_LABEL} ${before}That is the tour: reads inside the workspace ran, writes, edits, deletes and commands waited for you, sudo and /etc were refused by policy, and every decision is in the audit log (astrid audit). Configure a model (ANTHROPIC_API_KEY or [model] in config.toml) to work with a real agent.`,
    },
  ];
  const chosen = steps[Math.min(step, steps.length - 1)] as DemoStep;
  if (chosen.call?.name === 'read_file' && chosen.call.arguments.path === '') {
    return {
      ...chosen,
      call: { name: 'read_file', arguments: { path: pickFile(lastResult(messages)?.content) } },
    };
  }
  return chosen;
}

/**
 * An offline, scripted agent that shows the security flow with no API key: it reads, proposes
 * a write and an edit (diff approvals), deletes with `rm` (a high-risk `file_delete`), tries
 * `sudo` (blocked) and a read outside the workspace (denied), and runs a command. It plays
 * the step given by the number of model replies since the user's last message, so every
 * message starts the tour again. It is an `LlmProvider` like any other: its requests and
 * tool calls go through the real interceptor. Every text it writes starts with `[demo]`.
 */
export class DemoProvider implements LlmProvider {
  readonly name = 'demo';
  readonly model = 'astrid-demo';
  readonly baseURL = 'offline:demo';

  async *stream(request: LlmRequest, options: StreamOptions = {}): AsyncIterable<LlmEvent> {
    const signal = options.signal;
    let lastUser = -1;
    request.messages.forEach((m, i) => {
      if (m.role === 'user') lastUser = i;
    });
    const step = request.messages.slice(lastUser + 1).filter((m) => m.role === 'assistant').length;
    const { text, call } = script(request.messages, step);
    for (const piece of text.match(/.{1,40}(\s|$)/gs) ?? [text]) {
      if (signal?.aborted) {
        yield { type: 'done', stopReason: 'cancelled' };
        return;
      }
      yield { type: 'text_delta', text: piece };
    }
    if (call !== undefined) {
      const id = `demo_${step}_${call.name}`;
      const raw = JSON.stringify(call.arguments);
      yield { type: 'tool_call_start', id, name: call.name };
      yield { type: 'tool_call_delta', id, argumentsDelta: raw };
      yield { type: 'tool_call_end', id, name: call.name, arguments: call.arguments, rawArguments: raw };
    }
    yield { type: 'usage', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    yield { type: 'done', stopReason: call === undefined ? 'end_turn' : 'tool_use' };
  }
}

/**
 * The provider `astrid chat` uses: the configured model, or the demo when no model can be
 * used because its API key is missing (a newcomer sees the security flow with no key).
 */
export function providerOrDemo(
  model: ModelConfig,
  env: Env,
  options: ProviderOptions = {},
): { provider: LlmProvider; demo: boolean } {
  try {
    return { provider: createProvider(model, env, options), demo: false };
  } catch (err) {
    // createProvider names the missing key's variable in details; any other config error is real.
    if (err instanceof AstridError && err.code === 'CONFIG_INVALID' && err.details?.variable !== undefined) {
      return { provider: new DemoProvider(), demo: true };
    }
    throw err;
  }
}
