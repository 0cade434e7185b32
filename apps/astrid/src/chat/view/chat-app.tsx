/** @jsxRuntime automatic @jsxImportSource react */
import { Box, Static, Text, useInput, useStdout } from 'ink';
import { type ReactNode, useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ChatController } from '../controller.js';
import { highlighterReady, loadHighlighter } from '../highlight.js';
import { editLine, emptyLine, type LineState, submitLine } from '../line-editor.js';
import type { ChatState, CountdownView } from '../store.js';
import { ApprovalCardView } from './approval-card.js';
import { ElicitationForm } from './elicitation-form.js';
import { EntryView } from './entry.js';
import type { KeyHandler } from './keys.js';

/** Props of {@link ChatApp}. */
export interface ChatAppProps {
  readonly controller: ChatController;
  /** Clock for the countdowns (tests inject one). */
  readonly now?: () => number;
  /** Called once, after the first render with the prompt. */
  readonly onReady?: () => void;
}

function useChatState(controller: ChatController): ChatState {
  const subscribe = useCallback(
    (onChange: () => void) => controller.subscribe((c) => c.type === 'state' && onChange()),
    [controller],
  );
  return useSyncExternalStore(subscribe, () => controller.state);
}

function Countdowns({
  countdowns,
  now,
}: {
  countdowns: readonly CountdownView[];
  now: () => number;
}): ReactNode {
  const [, tick] = useState(0);
  useEffect(() => {
    if (countdowns.length === 0) return;
    const timer = setInterval(() => tick((n) => n + 1), 250);
    return () => clearInterval(timer);
  }, [countdowns.length]);
  return countdowns.map((c) => (
    <Text key={c.id} color="yellow">
      {`auto-applying ${c.kind} ${c.target} (risk ${c.risk}) in ${Math.max(0, Math.ceil((c.deadline - now()) / 1000))}s — Esc cancels`}
    </Text>
  ));
}

function Prompt({ line, running }: { line: LineState; running: boolean }): ReactNode {
  const before = line.text.slice(0, line.cursor);
  const at = line.text.slice(line.cursor, line.cursor + 1);
  const after = line.text.slice(line.cursor + 1);
  return (
    <Text>
      <Text color={running ? 'gray' : 'blue'} bold>
        {running ? '… ' : '› '}
      </Text>
      {before}
      <Text inverse>{at === '' ? ' ' : at}</Text>
      {after}
    </Text>
  );
}

function StatusLine({ state }: { state: ChatState }): ReactNode {
  const spent = `$${(state.spentMicros / 1_000_000).toFixed(4)}`;
  const limit = state.limitMicros === undefined ? '' : ` of $${(state.limitMicros / 1_000_000).toFixed(2)}`;
  return (
    <Text dimColor>
      <Text color={state.demo ? 'yellow' : undefined}>{state.provider}</Text>
      {` · ${state.sessionLabel} · ${spent}${limit}${state.running ? ' · working (Ctrl-C cancels)' : ' · /help'}`}
    </Text>
  );
}

/** The chat REPL's ink view of a {@link ChatController}. */
export function ChatApp({ controller, now = Date.now, onReady }: ChatAppProps): ReactNode {
  const state = useChatState(controller);
  const { write } = useStdout();
  // The line lives in a ref too: two keys handled before React re-renders must both land.
  const [line, setLineState] = useState<LineState>(() => emptyLine());
  const lineRef = useRef(line);
  // The open card or form registers its key handler here: a key goes to one place only.
  const modalKeys = useRef<KeyHandler | undefined>(undefined);
  const setLine = (next: LineState) => {
    lineRef.current = next;
    setLineState(next);
  };
  const [, setHighlighted] = useState(highlighterReady());

  useEffect(() => {
    controller.setRawWriter(write);
    return () => controller.setRawWriter(undefined);
  }, [controller, write]);
  useEffect(() => {
    onReady?.();
    // Loaded after the first frame: the prompt does not wait for the grammars.
    void loadHighlighter().then(() => setHighlighted(true));
  }, [onReady]);

  const card = state.approvals[0];
  const form = card === undefined ? state.elicitations[0] : undefined;
  const promptActive = card === undefined && form === undefined;

  useInput((input, key) => {
    const line = lineRef.current;
    if (key.ctrl && input === 'c') {
      controller.interrupt();
      return;
    }
    // Read from the controller, not this render: a card that opened a moment ago takes the
    // keys (dropped until it is on screen: nobody answers a card they have not seen).
    const now = controller.state;
    if (now.approvals.length > 0 || now.elicitations.length > 0) {
      modalKeys.current?.(input, key);
      return;
    }
    if (key.ctrl && input === 'd') {
      if (line.text === '') controller.quit(0);
      return;
    }
    if (key.escape && now.countdowns.length > 0) {
      void controller.cancelCountdown();
      return;
    }
    // Typed text and Enter can arrive in one read (a fast typist, a paste ending in a
    // newline): the text goes in, then the line is submitted.
    const typedThenEnter = !key.return && input.length > 1 && /[\r\n]$/.test(input);
    if (key.return || typedThenEnter) {
      const typed = typedThenEnter ? editLine(line, input, key) : line;
      const { text, next } = submitLine(typed);
      setLine(next);
      void controller.submit(text);
      return;
    }
    const edited = editLine(line, input, key);
    if (edited !== line) {
      controller.disarm();
      setLine(edited);
    }
  });

  return (
    <>
      <Static items={[...state.transcript]}>{(entry) => <EntryView key={entry.id} entry={entry} />}</Static>
      <Box flexDirection="column">
        {state.live.map((entry) => (
          <EntryView key={entry.id} entry={entry} />
        ))}
        <Countdowns countdowns={state.countdowns} now={now} />
        {card === undefined ? null : (
          <ApprovalCardView
            key={card.id}
            card={card.card}
            queued={state.approvals.length - 1}
            active
            keys={modalKeys}
            onAnswer={(answer) => controller.decide(card.id, answer)}
          />
        )}
        {form === undefined ? null : (
          <ElicitationForm
            key={form.id}
            request={form.request}
            active
            keys={modalKeys}
            onAnswer={(answer) => controller.answerElicitation(form.id, answer)}
          />
        )}
        {promptActive ? <Prompt line={line} running={state.running} /> : null}
        {state.hint === undefined ? null : <Text color="yellow">{state.hint}</Text>}
        <StatusLine state={state} />
      </Box>
    </>
  );
}
