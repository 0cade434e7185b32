import type { RuntimeOptions } from '@astrid/runtime';

/** The LLM provider interface, as the runtime takes it. */
export type LlmProvider = NonNullable<RuntimeOptions['provider']>;
type LlmEvent = LlmProvider['stream'] extends (...args: never[]) => AsyncIterable<infer E> ? E : never;

/**
 * Wraps the provider so that no model request leaves the daemon while the kill switch is
 * engaged: the stream ends at once with an error event (the turn ends with an `error`
 * event, nothing is charged). The check runs when the stream starts, so a request that
 * began before the lockdown is stopped by cancelling its turn instead.
 */
export function gateProvider(inner: LlmProvider, locked: () => boolean): LlmProvider {
  return {
    name: inner.name,
    model: inner.model,
    baseURL: inner.baseURL,
    stream(request, options) {
      if (!locked()) return inner.stream(request, options);
      return refused();
    },
  };
}

async function* refused(): AsyncIterable<LlmEvent> {
  yield {
    type: 'error',
    code: 'bad_request',
    message: 'the daemon is in lockdown (daemon.unlock to resume)',
    retryable: false,
  };
}
