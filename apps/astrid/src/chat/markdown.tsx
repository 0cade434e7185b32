/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Text } from 'ink';
import { lexer, type Token, type Tokens } from 'marked';
import type { ReactNode } from 'react';
import { highlight } from './highlight.js';
import type { SafeText } from './safe-text.js';
import { safeBlock } from './safe-text.js';

// Markdown is parsed from text that is already sanitised: the lexer only splits it, and
// every leaf is passed through sanitize() once more before it is styled (idempotent on
// sanitised text), so no token type (html, escape, link href...) can bring a raw control
// character back. The only escapes that reach the terminal are ink's and emphasize's SGR.

function leaf(text: string): string {
  return safeBlock(text);
}

function inline(tokens: readonly Token[] | undefined, key = 'i'): ReactNode[] {
  return (tokens ?? []).map((t, i) => {
    const k = `${key}.${i}`;
    switch (t.type) {
      case 'strong':
        return (
          <Text key={k} bold>
            {inline((t as Tokens.Strong).tokens, k)}
          </Text>
        );
      case 'em':
        return (
          <Text key={k} italic>
            {inline((t as Tokens.Em).tokens, k)}
          </Text>
        );
      case 'del':
        return (
          <Text key={k} strikethrough>
            {inline((t as Tokens.Del).tokens, k)}
          </Text>
        );
      case 'codespan':
        return (
          <Text key={k} color="yellow">
            {leaf((t as Tokens.Codespan).text)}
          </Text>
        );
      case 'link': {
        const link = t as Tokens.Link;
        // The target is shown beside the text: a link's words must not hide where it goes.
        return (
          <Text key={k}>
            <Text underline>{inline(link.tokens, k)}</Text>
            {link.text === link.href ? '' : <Text dimColor>{` (${leaf(link.href)})`}</Text>}
          </Text>
        );
      }
      case 'image': {
        const img = t as Tokens.Image;
        return <Text key={k} dimColor>{`[image: ${leaf(img.text)} (${leaf(img.href)})]`}</Text>;
      }
      case 'br':
        return <Text key={k}>{'\n'}</Text>;
      case 'text': {
        const text = t as Tokens.Text;
        return text.tokens !== undefined && text.tokens.length > 0 ? (
          <Text key={k}>{inline(text.tokens, k)}</Text>
        ) : (
          <Text key={k}>{leaf(text.text)}</Text>
        );
      }
      default:
        // escape, html and anything unknown: shown as the text it is, never interpreted.
        return <Text key={k}>{leaf('text' in t && typeof t.text === 'string' ? t.text : t.raw)}</Text>;
    }
  });
}

function CodeBlock({ code, lang }: { code: string; lang: string | undefined }): ReactNode {
  const text = leaf(code) as SafeText;
  const coloured = highlight(text, lang);
  return (
    <Box flexDirection="column" paddingLeft={2} marginY={0}>
      {lang === undefined || lang === '' ? null : <Text dimColor>{leaf(lang)}</Text>}
      <Text>{coloured ?? text}</Text>
    </Box>
  );
}

function block(t: Token, k: string): ReactNode {
  switch (t.type) {
    case 'heading': {
      const h = t as Tokens.Heading;
      return (
        <Text key={k} bold color={h.depth <= 2 ? 'cyan' : undefined} underline={h.depth === 1}>
          {inline(h.tokens, k)}
        </Text>
      );
    }
    case 'paragraph':
      return <Text key={k}>{inline((t as Tokens.Paragraph).tokens, k)}</Text>;
    case 'code': {
      const c = t as Tokens.Code;
      return <CodeBlock key={k} code={c.text} lang={c.lang} />;
    }
    case 'list': {
      const list = t as Tokens.List;
      const start = typeof list.start === 'number' ? list.start : 1;
      return (
        <Box key={k} flexDirection="column">
          {list.items.map((item, i) => (
            <Box key={`${k}.${i}`} flexDirection="row">
              <Text>
                {list.ordered ? `${start + i}. ` : item.task ? (item.checked ? '[x] ' : '[ ] ') : '• '}
              </Text>
              <Box flexDirection="column">
                {item.tokens.map((c, j) => blockOrInline(c, `${k}.${i}.${j}`))}
              </Box>
            </Box>
          ))}
        </Box>
      );
    }
    case 'blockquote':
      return (
        <Box
          key={k}
          flexDirection="column"
          paddingLeft={1}
          borderStyle="single"
          borderLeft
          borderRight={false}
          borderTop={false}
          borderBottom={false}
        >
          {(t as Tokens.Blockquote).tokens.map((c, i) => block(c, `${k}.${i}`))}
        </Box>
      );
    case 'hr':
      return (
        <Text key={k} dimColor>
          {'─'.repeat(40)}
        </Text>
      );
    case 'space':
      return null;
    case 'table': {
      const table = t as Tokens.Table;
      const row = (cells: readonly Tokens.TableCell[]) => cells.map((c) => leaf(c.text)).join(' │ ');
      return (
        <Box key={k} flexDirection="column">
          <Text bold>{row(table.header)}</Text>
          {table.rows.map((r, i) => (
            <Text key={`${k}.${i}`}>{row(r)}</Text>
          ))}
        </Box>
      );
    }
    default:
      return <Text key={k}>{leaf('text' in t && typeof t.text === 'string' ? t.text : t.raw)}</Text>;
  }
}

// A list item holds `text` tokens (tight list) or block tokens (loose list).
function blockOrInline(t: Token, k: string): ReactNode {
  if (t.type === 'text') return <Text key={k}>{inline([t], k)}</Text>;
  return block(t, k);
}

/** Renders sanitised markdown: headings, lists, emphasis, inline code, highlighted code blocks. */
export function Markdown({ text }: { text: SafeText }): ReactNode {
  const tokens = lexer(text);
  return <Box flexDirection="column">{tokens.map((t, i) => block(t, `b${i}`))}</Box>;
}
