import fc from 'fast-check';

/**
 * Test values for every merge-table row. For policy rows, `tight` is strictly more
 * restrictive than `loose` (by the rule's meaning, written here independently of the
 * implementation). For user-only rows, `a` and `b` are two different valid values.
 * `arb` generates valid values for the property test.
 */
export type RowSample =
  | { kind: 'policy'; tight: unknown; loose: unknown; arb: fc.Arbitrary<unknown> }
  | { kind: 'user-only'; a: unknown; b: unknown; arb: fc.Arbitrary<unknown> };

const words = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 });
const ints = (min: number, max: number) => fc.integer({ min, max });
const usd = fc.constantFrom(0, 0.25, 1, 2, 10, 100);
const hexKey = (c: string) => c.repeat(64);

export const ROW_SAMPLES: Readonly<Record<string, RowSample>> = {
  'model.provider': {
    kind: 'user-only',
    a: 'openai',
    b: 'zai',
    arb: fc.constantFrom('anthropic', 'openai', 'zai'),
  },
  'model.preset': {
    kind: 'user-only',
    a: 'ollama',
    b: 'vllm',
    arb: fc.constantFrom('ollama', 'vllm', 'llamacpp'),
  },
  'model.model': { kind: 'user-only', a: 'model-a', b: 'model-b', arb: fc.constantFrom('m1', 'm2') },
  'model.base_url': {
    kind: 'user-only',
    a: 'https://a.example/v1',
    b: 'https://b.example/v1',
    arb: fc.constantFrom('https://a.example', 'http://127.0.0.1:9/v1'),
  },
  'model.api_key': { kind: 'user-only', a: 'sk-aaaa', b: 'sk-bbbb', arb: fc.constantFrom('sk-1', 'sk-2') },
  'model.max_tokens': { kind: 'policy', tight: 1000, loose: 64_000, arb: ints(1, 100_000) },
  'model.pricing.input_micro_usd_per_mtok': { kind: 'user-only', a: 1, b: 2, arb: ints(0, 10_000_000) },
  'model.pricing.output_micro_usd_per_mtok': { kind: 'user-only', a: 1, b: 2, arb: ints(0, 10_000_000) },
  'model.pricing.cache_read_micro_usd_per_mtok': { kind: 'user-only', a: 1, b: 2, arb: ints(0, 10_000_000) },
  'model.pricing.cache_write_micro_usd_per_mtok': { kind: 'user-only', a: 1, b: 2, arb: ints(0, 10_000_000) },
  'model.prices': {
    kind: 'user-only',
    a: {
      'model-a': {
        input_micro_usd_per_mtok: 1,
        output_micro_usd_per_mtok: 2,
        cache_read_micro_usd_per_mtok: 0,
        cache_write_micro_usd_per_mtok: 0,
      },
    },
    b: {
      'model-b': {
        input_micro_usd_per_mtok: 3,
        output_micro_usd_per_mtok: 4,
        cache_read_micro_usd_per_mtok: 0,
        cache_write_micro_usd_per_mtok: 0,
      },
    },
    arb: fc.constantFrom(
      {},
      {
        m: {
          input_micro_usd_per_mtok: 1,
          output_micro_usd_per_mtok: 1,
          cache_read_micro_usd_per_mtok: 1,
          cache_write_micro_usd_per_mtok: 1,
        },
      },
    ),
  },
  'workspace.mode': {
    kind: 'policy',
    tight: 'safe',
    loose: 'autonomous',
    arb: fc.constantFrom('safe', 'guided', 'autonomous'),
  },
  'workspace.escape_policy': {
    kind: 'policy',
    tight: 'deny',
    loose: 'ask',
    arb: fc.constantFrom('ask', 'deny'),
  },
  'workspace.never_allow': { kind: 'policy', tight: ['.env', 'secrets/**'], loose: ['.env'], arb: words },
  'security.policy.blocked_commands': {
    kind: 'policy',
    tight: ['curl', 'wget'],
    loose: ['curl'],
    arb: words,
  },
  'security.policy.allowed_commands': {
    kind: 'policy',
    tight: ['git status'],
    loose: ['git status', 'npm test'],
    arb: words,
  },
  'security.policy.denied_paths': {
    kind: 'policy',
    tight: ['/srv/**', '/opt/**'],
    loose: ['/srv/**'],
    arb: words,
  },
  'security.policy.allowed_paths': {
    kind: 'policy',
    tight: ['/home/me/a/**'],
    loose: ['/home/me/a/**', '/home/me/b/**'],
    arb: words,
  },
  'security.policy.denied_hosts': {
    kind: 'policy',
    tight: ['evil.example', 'bad.example'],
    loose: ['evil.example'],
    arb: words,
  },
  'security.policy.allowed_hosts': {
    kind: 'policy',
    tight: ['api.github.com'],
    loose: ['api.github.com', 'pastebin.com'],
    arb: words,
  },
  'security.policy.max_argument_bytes': {
    kind: 'policy',
    tight: 4096,
    loose: 10_000_000,
    arb: ints(1, 2_000_000),
  },
  'security.policy.escalate_after_untrusted': {
    kind: 'policy',
    tight: true,
    loose: false,
    arb: fc.boolean(),
  },
  'security.trusted_keys': {
    kind: 'user-only',
    a: [hexKey('a')],
    b: [hexKey('b')],
    arb: fc.constantFrom([hexKey('a')], [hexKey('c')]),
  },
  'budget.session_max_usd': { kind: 'policy', tight: 1.5, loose: 500, arb: usd },
  'budget.per_action_max_usd': { kind: 'policy', tight: 0.25, loose: 50, arb: usd },
  'budget.workspace_max_usd': { kind: 'policy', tight: 5, loose: 5000, arb: usd },
  'budget.warn_at_percent': { kind: 'policy', tight: 50, loose: 99, arb: ints(0, 100) },
  'budget.action_costs': {
    kind: 'policy',
    tight: { file_write: 0.5, network_request: 0.01 },
    loose: { file_write: 0.1, network_request: 0 },
    arb: fc.record({ file_write: usd, network_request: usd, execute_command: usd }, { requiredKeys: [] }),
  },
  'approval.timeout_seconds': { kind: 'policy', tight: 30, loose: 86_400, arb: ints(1, 10_000) },
  'approval.allow_always_ttl_seconds': { kind: 'policy', tight: 60, loose: 604_800, arb: ints(1, 100_000) },
  'approval.countdown_seconds': { kind: 'policy', tight: 10, loose: 0, arb: ints(0, 60) },
  'audit.checkpoint_every': { kind: 'policy', tight: 16, loose: 100_000, arb: ints(1, 1000) },
  'audit.checkpoint_seconds': { kind: 'policy', tight: 1, loose: 3600, arb: fc.constantFrom(0.5, 1, 5, 60) },
  'tools.bash.timeout_seconds': { kind: 'policy', tight: 10, loose: 3600, arb: ints(1, 1000) },
  'tools.bash.sandbox': {
    kind: 'policy',
    tight: 'bwrap',
    loose: 'none',
    arb: fc.constantFrom('none', 'auto', 'bwrap'),
  },
  'subagents.max_depth': { kind: 'policy', tight: 0, loose: 10, arb: ints(0, 10) },
  'subagents.max_concurrent': { kind: 'policy', tight: 1, loose: 64, arb: ints(0, 64) },
  'subagents.max_turns': { kind: 'policy', tight: 5, loose: 1000, arb: ints(1, 1000) },
};
