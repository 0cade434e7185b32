import type { AstridClient } from '@astrid/client';
import { render } from 'ink';
import { createElement } from 'react';
import { ChatController, type CreateOptions, errorText } from './controller.js';
import { runPlain } from './plain.js';
import { safe } from './safe-text.js';
import { ChatApp } from './view/chat-app.js';

export { type ApprovalCardModel, approvalCard, approvalOptions, DECISION_KEYS } from './approval-card.js';
export { ChatFrontend } from './chat-frontend.js';
export { SLASH_COMMANDS } from './commands.js';
export {
  ChatController,
  type ControllerOptions,
  type CreateOptions,
  configureHint,
  DEMO_NOTICE,
  type InterruptOutcome,
} from './controller.js';
export { Markdown } from './markdown.js';
export { osc52 } from './osc52.js';
export { runPlain } from './plain.js';
export { type SafeText, safe, safeBlock } from './safe-text.js';
export type { ChatChange, ChatState, Entry, ToolStatus } from './store.js';
export { ApprovalCardView } from './view/approval-card.js';
export { ChatApp } from './view/chat-app.js';
export { ElicitationForm, parseFieldValue } from './view/elicitation-form.js';

/** Options of {@link runChat}. */
export interface ChatOptions {
  /** Connected, verified (from @astrid/client). */
  readonly client: AstridClient;
  /** `--session`: resume this one (SESSION_NOT_FOUND is an error). */
  readonly sessionId?: string;
  readonly create?: CreateOptions;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** `stdin.isTTY && stdout.isTTY`: ink REPL; false: plain line mode. */
  readonly interactive: boolean;
  /** Recorded as `decidedBy` (e.g. the OS user name). */
  readonly userId?: string;
  /** Called once the prompt is ready. */
  readonly onReady?: () => void;
  /** Where SIGINT arrives in no-TTY mode (default `process`; tests pass an emitter). */
  readonly signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

/** Runs the REPL until /quit, a second Ctrl-C, or end of input; resolves with the exit code (0 ok, 1 error). */
export async function runChat(options: ChatOptions): Promise<0 | 1> {
  let chat: ChatController;
  try {
    chat = await ChatController.start({
      client: options.client,
      interactive: options.interactive,
      ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
      ...(options.create === undefined ? {} : { create: options.create }),
      ...(options.userId === undefined ? {} : { userId: options.userId }),
    });
  } catch (err) {
    options.stderr.write(`astrid: chat could not start: ${safe(errorText(err))}\n`);
    return 1;
  }
  // Piped input, but Ctrl-C can still come from a terminal: the same rule as the REPL (the
  // first cancels the running turn, a second exits) instead of dying mid-turn. The handler
  // stays until the chat has closed, so a Ctrl-C pressed again while it closes does not kill
  // the process halfway through.
  const signals = options.signals ?? process;
  const onSigint = (): void => {
    chat.interrupt();
  };
  if (!options.interactive) signals.on('SIGINT', onSigint);
  try {
    if (!options.interactive) {
      options.onReady?.();
      return await runPlain(chat, options);
    }
    const ink = render(
      createElement(ChatApp, { controller: chat, ...(options.onReady ? { onReady: options.onReady } : {}) }),
      {
        stdin: options.stdin,
        stdout: options.stdout,
        stderr: options.stderr,
        exitOnCtrlC: false,
        patchConsole: false,
      },
    );
    const code = await chat.exited;
    ink.unmount();
    await ink.waitUntilExit().catch(() => undefined);
    return code;
  } finally {
    await chat.close();
    if (!options.interactive) signals.off('SIGINT', onSigint);
  }
}
