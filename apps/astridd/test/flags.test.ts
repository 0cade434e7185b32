import { describe, expect, it } from 'vitest';
import { isLoopback, parseFlags, UsageError } from '../src/index.js';

describe('parseFlags', () => {
  it('defaults', () => {
    expect(parseFlags([])).toEqual({
      allowRemote: false,
      allowedOrigins: [],
      ephemeral: false,
      gracePeriodSeconds: 30,
      logLevel: 'info',
      help: false,
    });
  });

  it('loopback listeners need nothing more; others need --allow-remote and both TLS files', () => {
    expect(parseFlags(['--listen', '127.0.0.1:0']).listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseFlags(['--listen', '[::1]:8080']).listen).toEqual({ host: '::1', port: 8080 });
    expect(parseFlags(['--listen', 'localhost:1']).listen?.host).toBe('localhost');
    expect(() => parseFlags(['--listen', '0.0.0.0:0'])).toThrow(/--allow-remote/);
    expect(() => parseFlags(['--listen', '10.0.0.1:1', '--allow-remote'])).toThrow(
      /--tls-cert and --tls-key/,
    );
    expect(() => parseFlags(['--listen', '10.0.0.1:1', '--allow-remote', '--tls-cert', 'c'])).toThrow(
      UsageError,
    );
    const remote = parseFlags([
      '--listen',
      '10.0.0.1:1',
      '--allow-remote',
      '--tls-cert',
      'c',
      '--tls-key',
      'k',
    ]);
    expect(remote).toMatchObject({ allowRemote: true, tlsCert: 'c', tlsKey: 'k' });
  });

  it('refuses malformed values and unknown flags', () => {
    for (const argv of [
      ['--listen', 'nope'],
      ['--listen', '127.0.0.1:70000'],
      ['--grace-period', '-1'],
      ['--grace-period', 'soon'],
      ['--frobnicate'],
      ['positional'],
    ]) {
      expect(() => parseFlags(argv), argv.join(' ')).toThrow(UsageError);
    }
    expect(parseFlags(['--allow-origin', 'a', '--allow-origin', 'b']).allowedOrigins).toEqual(['a', 'b']);
  });

  it('isLoopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', '128.0.0.1', 'example.com'])
      expect(isLoopback(host), host).toBe(false);
  });
});
