import type { LlmMessage, LlmRequest } from './types.js';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function checkMessage(m: LlmMessage, i: number): void {
  switch (m.role) {
    case 'user':
      if (typeof m.content !== 'string') throw new TypeError(`"messages[${i}].content" expected a string`);
      return;
    case 'assistant':
      if (typeof m.content !== 'string') throw new TypeError(`"messages[${i}].content" expected a string`);
      for (const [j, call] of (m.toolCalls ?? []).entries()) {
        if (call.id === '') throw new RangeError(`"messages[${i}].toolCalls[${j}].id" must not be empty`);
        if (!TOOL_NAME.test(call.name)) {
          throw new RangeError(`"messages[${i}].toolCalls[${j}].name" must match ${TOOL_NAME.source}`);
        }
      }
      return;
    case 'tool_results':
      if (m.results.length === 0) throw new RangeError(`"messages[${i}].results" must not be empty`);
      for (const [j, result] of m.results.entries()) {
        if (result.toolCallId === '')
          throw new RangeError(`"messages[${i}].results[${j}].toolCallId" must not be empty`);
      }
      return;
    default:
      throw new TypeError(`"messages[${i}].role" expected user, assistant or tool_results`);
  }
}

/**
 * Checks a request at the provider boundary, naming the offending field. The request is
 * built by the runtime, so this catches bugs early with a clear message rather than a
 * provider's 400 later.
 */
export function checkRequest(request: LlmRequest): void {
  if (request.messages.length === 0) throw new RangeError('"messages" must not be empty');
  request.messages.forEach(checkMessage);
  for (const [i, tool] of (request.tools ?? []).entries()) {
    if (!TOOL_NAME.test(tool.name)) throw new RangeError(`"tools[${i}].name" must match ${TOOL_NAME.source}`);
    if (tool.inputSchema.type !== 'object')
      throw new RangeError(`"tools[${i}].inputSchema.type" must be "object"`);
  }
  const { maxTokens, temperature } = request;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) {
    throw new RangeError(`"maxTokens" expected a positive integer, got ${maxTokens}`);
  }
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) {
    throw new RangeError(`"temperature" expected a number in [0, 2], got ${temperature}`);
  }
}
