import type { JsonObject, ToolCallEndEvent } from './types.js';

/**
 * Builds the `tool_call_end` event from the accumulated argument text. Empty text means
 * no arguments (`{}`), which both APIs send for a tool without parameters. Anything that
 * is not a JSON object is the model's mistake: reported in `parseError`, never thrown, so
 * the runtime can hand it back to the model as a failed tool result.
 */
export function toolCallEnd(id: string, name: string, rawArguments: string): ToolCallEndEvent {
  if (rawArguments.trim() === '') return { type: 'tool_call_end', id, name, arguments: {}, rawArguments };
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawArguments);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      type: 'tool_call_end',
      id,
      name,
      arguments: {},
      rawArguments,
      parseError: `arguments are not valid JSON: ${reason}`,
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return {
      type: 'tool_call_end',
      id,
      name,
      arguments: {},
      rawArguments,
      parseError: `arguments must be a JSON object, got ${got}`,
    };
  }
  // JSON.parse yields only JSON values, so the object is a JsonObject as it stands.
  return { type: 'tool_call_end', id, name, arguments: parsed as JsonObject, rawArguments };
}
