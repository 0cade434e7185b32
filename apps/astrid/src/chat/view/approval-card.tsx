/** @jsxRuntime automatic @jsxImportSource react */
import type { ApprovalDecision, RiskLevel } from '@astrid/core';
import { Box, Text } from 'ink';
import { type ReactNode, useRef, useState } from 'react';
import { type ApprovalCardModel, type CardPreview, DECISION_KEYS, type DiffLine } from '../approval-card.js';
import type { CardAnswer } from '../store.js';
import { type KeyTarget, useKeys } from './keys.js';

const RISK_COLOUR: Readonly<Record<RiskLevel, string>> = {
  low: 'green',
  medium: 'yellow',
  high: 'red',
  critical: 'magentaBright',
};

const DIFF_COLOUR: Readonly<Record<DiffLine['kind'], string | undefined>> = {
  add: 'green',
  del: 'red',
  hunk: 'cyan',
  meta: 'gray',
  context: undefined,
};

function Preview({ preview }: { preview: CardPreview }): ReactNode {
  switch (preview.kind) {
    case 'diff':
      return (
        <Box flexDirection="column">
          <Text dimColor>{`diff of ${preview.path}`}</Text>
          {preview.lines.map((l, i) => (
            <Text key={i} color={DIFF_COLOUR[l.kind]}>
              {l.text === '' ? ' ' : l.text}
            </Text>
          ))}
        </Box>
      );
    case 'command':
      return (
        <Box flexDirection="column">
          <Text>
            <Text dimColor>command: </Text>
            <Text bold>{preview.command}</Text>
          </Text>
          {preview.cwd === undefined ? null : <Text dimColor>{`in ${preview.cwd}`}</Text>}
        </Box>
      );
    case 'network':
      return (
        <Text>
          <Text dimColor>request: </Text>
          <Text bold>{`${preview.method} ${preview.host}:${preview.port}`}</Text>
        </Text>
      );
    case 'budget':
      return <Text>{`extend the budget by ${preview.amount} micro-USD (limit now ${preview.limit})`}</Text>;
    default:
      return null;
  }
}

/** Props of {@link ApprovalCardView}. */
export interface ApprovalCardProps {
  readonly card: ApprovalCardModel;
  /** More requests waiting behind this one. */
  readonly queued: number;
  readonly active: boolean;
  /** The app's key router; without it the component reads keys itself. */
  readonly keys?: KeyTarget;
  readonly onAnswer: (answer: CardAnswer) => void;
}

/**
 * The approval card: action, target, risk, the runtime's summary, the agent's own words
 * (labelled), the preview and the allowed answers. Deny asks for an optional reason.
 */
export function ApprovalCardView({ card, queued, active, keys, onAnswer }: ApprovalCardProps): ReactNode {
  // Keys can arrive faster than React re-renders (a paste, a quick "d" then Enter): the
  // handler reads and writes the reason through a ref, never a stale closure.
  const [reason, setReasonState] = useState<string | undefined>(undefined);
  const reasonRef = useRef<string | undefined>(undefined);
  const setReason = (next: string | undefined) => {
    reasonRef.current = next;
    setReasonState(next);
  };
  const options = DECISION_KEYS.filter((k) => card.options.includes(k.decision));

  useKeys(
    (input, key) => {
      const reason = reasonRef.current;
      if (reason !== undefined) {
        // Text and Enter can arrive in one read (a paste, a fast typist): take the text, then submit.
        const typedThenEnter = !key.return && input.length > 1 && /[\r\n]$/.test(input);
        if (key.return || typedThenEnter) {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the reason is one plain line
          const typed = typedThenEnter ? reason + input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '') : reason;
          const text = typed.trim();
          onAnswer({ decision: 'deny', ...(text === '' ? {} : { reason: text }) });
          setReason(undefined);
        } else if (key.escape) setReason(undefined);
        else if (key.backspace || key.delete) setReason(reason.slice(0, -1));
        else if (!key.ctrl && !key.meta && input !== '')
          // biome-ignore lint/suspicious/noControlCharactersInRegex: the reason is one plain line
          setReason(reason + input.replace(/[\u0000-\u001f\u007f-\u009f]/g, ''));
        return;
      }
      const chosen = options.find((o) => o.key === input.toLowerCase() && !key.ctrl);
      if (chosen === undefined) return;
      if (chosen.decision === 'deny') setReason('');
      else onAnswer({ decision: chosen.decision as ApprovalDecision });
    },
    active,
    keys,
  );

  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text>
        <Text bold color="yellow">
          Approval needed{' '}
        </Text>
        <Text bold>{card.kind}</Text> {card.target}
        {'  '}
        <Text color={RISK_COLOUR[card.risk]}>{`risk: ${card.risk}`}</Text>
      </Text>
      <Text>{card.summary}</Text>
      {card.agentText === undefined ? null : (
        <Text>
          <Text dimColor italic>
            the agent says:{' '}
          </Text>
          <Text italic>{card.agentText}</Text>
        </Text>
      )}
      <Preview preview={card.preview} />
      {card.notSandboxed ? (
        <Text color="red" bold>
          not sandboxed: this command runs with your user's full access
        </Text>
      ) : null}
      {reason === undefined ? (
        <Text>
          {options.map((o) => `[${o.key}] ${o.label}`).join('  ')}
          {queued > 0 ? <Text dimColor>{`   (${queued} more waiting)`}</Text> : null}
        </Text>
      ) : (
        <Text>
          <Text color="red">Deny. Reason for the agent (Enter to skip, Esc back): </Text>
          {reason}
          <Text inverse> </Text>
        </Text>
      )}
    </Box>
  );
}
