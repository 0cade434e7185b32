export { AnthropicProvider } from './anthropic.js';
export { toAnthropicMessages, toAnthropicParams } from './anthropic-request.js';
export { toolCallEnd } from './arguments.js';
export { costOf, estimateInputTokens, llmRequestAction } from './budget.js';
export {
  API_KEY_VARIABLES,
  createProvider,
  type Env,
  HOSTED_BASE_URLS,
  NO_KEY_PLACEHOLDER,
  providerLabel,
} from './create.js';
export { OpenAiProvider, type OpenAiSettings } from './openai.js';
export { type MaxTokensField, toOpenAiMessages, toOpenAiParams } from './openai-request.js';
export { DEFAULT_IDLE_TIMEOUT_MS, type ProviderOptions, type ProviderSettings } from './options.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy, retryAfterMs } from './retry.js';
export type {
  DoneEvent,
  ErrorEvent,
  JsonObject,
  LlmAssistantMessage,
  LlmErrorCode,
  LlmEvent,
  LlmMessage,
  LlmProvider,
  LlmRequest,
  LlmToolCall,
  LlmToolDefinition,
  LlmToolResult,
  LlmToolResultsMessage,
  LlmUsage,
  LlmUserMessage,
  StopReason,
  StreamOptions,
  TextDeltaEvent,
  ToolCallDeltaEvent,
  ToolCallEndEvent,
  ToolCallStartEvent,
  UsageEvent,
} from './types.js';
