export { type AuthScheme, keyMatches, presentedAuth } from './auth.js';
export type { AcceptedRequest, ProtocolName, WireProtocol } from './protocol.js';
export {
  type HttpFault,
  type ResolvedTurn,
  resolveTurn,
  type ScriptedStopReason,
  type ScriptedToolCall,
  type ScriptedTurn,
  type ScriptedUsage,
  type StreamFault,
  splitText,
} from './script.js';
export { type LlmTestServer, type RecordedRequest, start, type TestServerOptions } from './server.js';
export type { ResponseOutcome } from './sse.js';
