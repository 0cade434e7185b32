import { PRESET_BASE_URLS } from '@astrid/config';
import { isAstridError } from '@astrid/core';
import { type LlmTestServer, start } from '@astrid/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicProvider, createProvider, NO_KEY_PLACEHOLDER, OpenAiProvider } from '../src/index.js';
import { collect, HELLO, modelConfig } from './helpers.js';

let server: LlmTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function configError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (isAstridError(err, 'CONFIG_INVALID')) return err;
    throw err;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('createProvider: keys', () => {
  it.each([
    ['anthropic', 'ANTHROPIC_API_KEY'],
    ['openai', 'OPENAI_API_KEY'],
    ['zai', 'ZAI_API_KEY'],
  ] as const)('a missing %s key is CONFIG_INVALID naming %s', (provider, variable) => {
    const err = configError(() => createProvider(modelConfig({ provider }), {}));
    expect(err.message).toContain(variable);
    expect(err.message).toContain('model.api_key');
  });

  it('an empty env variable counts as missing', () => {
    expect(configError(() => createProvider(modelConfig(), { ANTHROPIC_API_KEY: '' })).message).toContain(
      'ANTHROPIC_API_KEY',
    );
  });

  it('refuses the redacted copy of a config', () => {
    expect(configError(() => createProvider(modelConfig({ api_key: '[redacted]' }), {})).message).toContain(
      'redacted',
    );
  });

  it('takes the key from the SDK variable in env when [model] has none', async () => {
    server = await start({ turns: [{ text: 'a' }, { text: 'o' }] });
    const anthropic = createProvider(modelConfig({ base_url: server.url }), {
      ANTHROPIC_API_KEY: 'testkit-key',
    });
    const openai = createProvider(modelConfig({ provider: 'openai', base_url: `${server.url}/v1` }), {
      OPENAI_API_KEY: 'testkit-key',
    });
    expect((await collect(anthropic.stream(HELLO))).at(-1)).toMatchObject({ type: 'done' });
    expect((await collect(openai.stream(HELLO))).at(-1)).toMatchObject({ type: 'done' });
    expect(server.requests.map((r) => r.auth)).toEqual(['bearer', 'bearer']);
  });

  it('model.api_key wins over the env variable', async () => {
    server = await start({ turns: [{ text: 'a' }] });
    const provider = createProvider(modelConfig({ base_url: server.url, api_key: 'testkit-key' }), {
      ANTHROPIC_API_KEY: 'sk-other',
    });
    expect((await collect(provider.stream(HELLO))).at(-1)).toMatchObject({ type: 'done' });
  });

  it('local presets need no key, and an openai-compatible server never receives OPENAI_API_KEY', async () => {
    // The server accepts only the placeholder: a request carrying the user's OpenAI key fails.
    server = await start({ apiKey: NO_KEY_PLACEHOLDER, turns: [{ text: 'local' }] });
    const provider = createProvider(
      modelConfig({
        provider: 'openai-compatible',
        preset: 'ollama',
        model: 'llama3.2',
        base_url: `${server.url}/v1`,
      }),
      { OPENAI_API_KEY: 'sk-users-real-openai-key', OPENAI_BASE_URL: 'https://api.openai.com/v1' },
    );
    const events = await collect(provider.stream(HELLO));
    expect(events.at(-1)).toMatchObject({ type: 'done', stopReason: 'end_turn' });
    expect(provider.name).toBe('ollama');
    expect(server.requests[0]?.status).toBe(200);
  });
});

describe('createProvider: base URLs and presets', () => {
  it.each([
    ['ollama', 'http://127.0.0.1:11434/v1'],
    ['vllm', PRESET_BASE_URLS.vllm],
    ['llamacpp', PRESET_BASE_URLS.llamacpp],
  ] as const)('preset %s uses %s', (preset, url) => {
    const provider = createProvider(modelConfig({ provider: 'openai-compatible', preset, model: 'm' }), {});
    expect(provider).toBeInstanceOf(OpenAiProvider);
    expect(provider.baseURL).toBe(url);
    expect(provider.name).toBe(preset);
    expect(provider.model).toBe('m');
  });

  it('hosted providers default to their public endpoints', () => {
    const key = { api_key: 'k' };
    expect(createProvider(modelConfig(key), {}).baseURL).toBe('https://api.anthropic.com');
    expect(createProvider(modelConfig({ ...key, provider: 'openai' }), {}).baseURL).toBe(
      'https://api.openai.com/v1',
    );
    expect(createProvider(modelConfig({ ...key, provider: 'zai' }), {}).baseURL).toBe(
      'https://api.z.ai/api/paas/v4/',
    );
    expect(createProvider(modelConfig(key), {})).toBeInstanceOf(AnthropicProvider);
  });

  it('honours ANTHROPIC_BASE_URL / OPENAI_BASE_URL, with model.base_url first', () => {
    const env = {
      ANTHROPIC_BASE_URL: 'https://gw.example/anthropic',
      OPENAI_BASE_URL: 'https://gw.example/openai',
    };
    expect(createProvider(modelConfig({ api_key: 'k' }), env).baseURL).toBe('https://gw.example/anthropic');
    expect(createProvider(modelConfig({ api_key: 'k', provider: 'openai' }), env).baseURL).toBe(
      'https://gw.example/openai',
    );
    expect(createProvider(modelConfig({ api_key: 'k', base_url: 'https://cfg.example' }), env).baseURL).toBe(
      'https://cfg.example',
    );
    expect(createProvider(modelConfig({ provider: 'openai-compatible', preset: 'vllm' }), env).baseURL).toBe(
      PRESET_BASE_URLS.vllm,
    );
  });

  it('openai-compatible without base_url or preset is CONFIG_INVALID', () => {
    expect(
      configError(() => createProvider(modelConfig({ provider: 'openai-compatible' }), {})).message,
    ).toContain('model.base_url or model.preset');
  });

  it('the SDK reads nothing from process.env behind the config (explicit key and URL win)', async () => {
    server = await start({ turns: [{ text: 'x' }] });
    const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
    process.env.ANTHROPIC_API_KEY = 'sk-from-process-env';
    process.env.ANTHROPIC_BASE_URL = 'http://127.0.0.1:9/nowhere';
    try {
      const provider = createProvider(modelConfig({ base_url: server.url, api_key: 'testkit-key' }), {});
      expect((await collect(provider.stream(HELLO))).at(-1)).toMatchObject({ type: 'done' });
    } finally {
      if (saved.key === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = saved.url;
    }
  });
});
