/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { Markdown } from '../markdown.js';
import type { Entry, NoticeTone, ToolStatus } from '../store.js';

const TONE: Readonly<Record<NoticeTone, string>> = {
  info: 'gray',
  ok: 'green',
  warn: 'yellow',
  error: 'red',
};

const STATUS: Readonly<Record<ToolStatus, { colour: string; mark: string }>> = {
  proposed: { colour: 'gray', mark: '○' },
  waiting: { colour: 'yellow', mark: '◐' },
  running: { colour: 'blue', mark: '◑' },
  done: { colour: 'green', mark: '●' },
  failed: { colour: 'red', mark: '✗' },
  denied: { colour: 'red', mark: '⊘' },
};

/** One transcript entry: the user's prompt, a reply (markdown), a tool line or a notice. */
export function EntryView({ entry }: { entry: Entry }): ReactNode {
  switch (entry.kind) {
    case 'user':
      return (
        <Text>
          <Text bold color="blue">
            {'› '}
          </Text>
          {entry.text}
        </Text>
      );
    case 'reply':
      return (
        <Box flexDirection="column">
          {entry.label === undefined ? null : <Text dimColor>{`[${entry.label}]`}</Text>}
          <Markdown text={entry.text} />
        </Box>
      );
    case 'tool': {
      const s = STATUS[entry.status];
      return (
        <Text>
          <Text color={s.colour}>{`${s.mark} `}</Text>
          <Text bold>{entry.tool}</Text>
          {entry.target === '' ? '' : ` ${entry.target}`}
          <Text color={s.colour}>{`  ${entry.status}`}</Text>
          {entry.summary === undefined || entry.summary === '' ? null : (
            <Text dimColor>{` — ${entry.summary}`}</Text>
          )}
        </Text>
      );
    }
    case 'notice':
      return <Text color={TONE[entry.tone]}>{entry.text}</Text>;
  }
}
