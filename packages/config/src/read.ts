import { constants, promises as fs } from 'node:fs';
import { AstridError } from '@astrid/core';
import { parse, TomlError } from 'smol-toml';
import { MAX_CONFIG_BYTES } from './schema.js';

/** What reading a config file found. */
export type ConfigFileContent =
  | { readonly kind: 'missing' }
  | { readonly kind: 'too-large'; readonly size: number }
  | { readonly kind: 'ok'; readonly bytes: Uint8Array };

/**
 * Reads a config file of at most `maxBytes`. Injectable so tests can put faults in the
 * way (CI runs as root, so unreadable files cannot be made with permissions).
 */
export type ConfigFileReader = (path: string, maxBytes: number) => Promise<ConfigFileContent>;

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/**
 * The default reader. Opens non-blocking so a FIFO planted at a config path cannot hang
 * the loader, refuses anything but a regular file, checks the size before reading, and
 * never reads more than `maxBytes + 1` bytes even if the file grows meanwhile.
 */
export const readConfigFile: ConfigFileReader = async (path, maxBytes) => {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // ENOTDIR: a path component is a file (a `.astrid` file, not a dir): no config here.
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > maxBytes) return { kind: 'too-large', size: st.size };
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return { kind: 'too-large', size: length };
    return { kind: 'ok', bytes: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
};

/**
 * Reads one config file through `reader`: undefined when it does not exist; otherwise its
 * text. Oversized, unreadable and non-UTF-8 files are errors naming the file (fail
 * closed: a file that is there but cannot be used never silently becomes "no file").
 */
export async function readConfigText(
  path: string,
  reader: ConfigFileReader = readConfigFile,
): Promise<string | undefined> {
  let content: ConfigFileContent;
  try {
    content = await reader(path, MAX_CONFIG_BYTES);
  } catch (err) {
    const reason = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
    throw new AstridError('CONFIG_INVALID', `${path}: cannot read config file (${reason})`, {
      cause: err,
      details: { file: path },
    });
  }
  if (content.kind === 'missing') return undefined;
  const size = content.kind === 'too-large' ? content.size : content.bytes.length;
  if (content.kind === 'too-large' || size > MAX_CONFIG_BYTES) {
    throw new AstridError(
      'CONFIG_TOO_LARGE',
      `${path}: config file is ${size} bytes or more; the limit is ${MAX_CONFIG_BYTES} bytes (1 MiB)`,
      { details: { file: path, size, limit: MAX_CONFIG_BYTES } },
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content.bytes);
  } catch (err) {
    throw new AstridError('CONFIG_PARSE', `${path}: config file is not valid UTF-8`, {
      cause: err,
      details: { file: path },
    });
  }
}

/**
 * Parses TOML text; a syntax error is CONFIG_PARSE naming the file, line and column. The
 * parser's code excerpt is left out of the message: the line could hold an API key.
 */
export function parseToml(text: string, source: string): unknown {
  try {
    return parse(text, { unsafeKeyBehaviour: 'throw', maxDepth: 32 });
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = (err.message.split('\n')[0] ?? 'syntax error').replace(/^Invalid TOML document: /, '');
      // No `cause`: the TomlError's message embeds the offending lines.
      throw new AstridError('CONFIG_PARSE', `${source}:${err.line}:${err.column}: invalid TOML: ${reason}`, {
        details: { file: source, line: err.line, column: err.column },
      });
    }
    throw err;
  }
}
