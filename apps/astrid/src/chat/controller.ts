import type { ElicitationAnswer } from '@astrid/client';
import { type AstridClient, type Attachment, attachFrontend } from '@astrid/client';
import { isAstridError } from '@astrid/core';
import { ChatFrontend } from './chat-frontend.js';
import { runCommand } from './commands.js';
import { osc52 } from './osc52.js';
import { ours, type SafeText, safe, safeBlock } from './safe-text.js';
import { type CardAnswer, type ChatChange, type ChatState, ChatStore, type NoticeTone } from './store.js';

/** How a new session is created (the `astrid chat` flags). */
export interface CreateOptions {
  readonly workspace?: string;
  readonly mode?: 'safe' | 'guided' | 'autonomous';
  readonly provider?: string;
  readonly model?: string;
  readonly label?: string;
}

/** Options of {@link ChatController.start}. */
export interface ControllerOptions {
  readonly client: AstridClient;
  /** Resume this session instead of creating one. */
  readonly sessionId?: string;
  readonly create?: CreateOptions;
  /** False (no TTY): approvals and elicitations wait for another frontend. */
  readonly interactive: boolean;
  /** Recorded as `decidedBy` of this terminal's answers. */
  readonly userId?: string;
  /** Injected clock (countdowns, double Ctrl-C). */
  readonly now?: () => number;
}

/** What Ctrl-C did. */
export type InterruptOutcome = 'cancel' | 'armed' | 'exit';

/** Label shown when the daemon runs the offline demo agent. */
export const DEMO_NOTICE = 'demo agent (no model configured)';
/** The one line saying how to configure a real model, naming the user config file to edit. */
export function configureHint(userConfig: string): string {
  return `to use a real model: set [model] in ${userConfig}, or ANTHROPIC_API_KEY / OPENAI_API_KEY; see the README`;
}
/** Two Ctrl-C within this many ms exit even while a turn runs. */
const DOUBLE_PRESS_MS = 1500;

/**
 * Owns one chat: creates or resumes the session, attaches the {@link ChatFrontend}, sends
 * prompts and runs slash commands. No UI here: the ink view and the plain (non-TTY) mode
 * both drive it and read its {@link ChatStore}.
 */
export class ChatController {
  readonly store: ChatStore;
  readonly frontend: ChatFrontend;
  /** Resolves with the exit code once the chat should end. */
  readonly exited: Promise<0 | 1>;
  private resolveExit: (code: 0 | 1) => void = () => {};
  private attachment: Attachment | undefined;
  private lastReply = '';
  private lastInterrupt: number | undefined;
  private idleWaiters: (() => void)[] = [];
  private rawWriter: ((data: string) => void) | undefined;
  private readonly now: () => number;

  private constructor(readonly options: ControllerOptions) {
    this.now = options.now ?? Date.now;
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    this.store = new ChatStore({
      sessionId: '',
      sessionLabel: ours(''),
      provider: ours(''),
      demo: false,
      transcript: [],
      live: [],
      running: false,
      approvals: [],
      countdowns: [],
      elicitations: [],
      spentMicros: 0,
      limitMicros: undefined,
    });
    this.frontend = new ChatFrontend({
      store: this.store,
      interactive: options.interactive,
      now: this.now,
      onTurnDone: (text) => {
        if (text !== '') this.lastReply = text;
        this.wakeIdle();
      },
    });
  }

  /** Creates or resumes the session and attaches; rejects (SESSION_NOT_FOUND...) when it cannot. */
  static async start(options: ControllerOptions): Promise<ChatController> {
    const c = new ChatController(options);
    const status = await options.client.call('daemon.status');
    const demo = status.provider.name === 'demo';
    c.store.update(() => ({
      demo,
      provider: demo ? ours(DEMO_NOTICE) : safe(`${status.provider.name}/${status.provider.model}`),
    }));
    await c.openSession(options.sessionId);
    // An ephemeral daemon's start-up warnings go to its log, not to this terminal: say here
    // that commands will not be sandboxed (or will be refused), before anything runs.
    if (status.sandbox.refusal !== undefined) {
      c.notice(ours(`commands will be refused: ${safe(status.sandbox.refusal)}`), 'error');
    } else if (status.sandbox.warning !== undefined) {
      c.notice(ours(`warning: ${safe(status.sandbox.warning)}`), 'warn');
    }
    if (demo) {
      // The user config file of the daemon's data dir (ASTRID_HOME may point anywhere).
      const { files } = await options.client.call('config.paths', {});
      const user = files.find((f) => f.layer === 'user')?.path ?? '~/.astrid/config.toml';
      c.notice(ours(`${DEMO_NOTICE}: ${safe(configureHint(user))}`), 'warn');
    }
    return c;
  }

  /** The client (for slash commands). */
  get client(): AstridClient {
    return this.options.client;
  }

  /** The current state snapshot. */
  get state(): ChatState {
    return this.store.state;
  }

  /** Listens to changes; returns the function that stops listening. */
  subscribe(listener: (change: ChatChange) => void): () => void {
    return this.store.subscribe(listener);
  }

  /** Where `/copy` writes its OSC 52 sequence (the terminal); unset: /copy says it cannot. */
  setRawWriter(write: ((data: string) => void) | undefined): void {
    this.rawWriter = write;
  }

  /** Adds a notice line. */
  notice(text: SafeText, tone: NoticeTone = 'info'): void {
    this.frontend.notice(text, tone);
  }

  /** Opens (resumes `id`, or creates) a session and attaches to it, detaching the previous one. */
  async openSession(id?: string): Promise<void> {
    const client = this.options.client;
    const info =
      id === undefined
        ? await client.call('session.create', { ...this.options.create })
        : await client.call('session.get', { sessionId: id });
    const previous = this.attachment;
    this.attachment = undefined;
    await previous?.detach();
    this.store.update(() => ({
      sessionId: info.id,
      sessionLabel: safe(info.label),
      running: info.running,
      spentMicros: info.spentMicros,
    }));
    this.attachment = await attachFrontend(client, info.id, this.frontend, {
      ...(this.options.userId === undefined ? {} : { userId: this.options.userId }),
      onError: (err) => this.notice(ours(`answer not sent: ${safe(errorText(err))}`), 'error'),
    });
    this.notice(
      ours(`${id === undefined ? 'new session' : 'resumed session'} ${safe(info.id)} (${safe(info.label)})`),
    );
  }

  /** A line the user typed: a slash command or a prompt. */
  async submit(line: string): Promise<void> {
    this.lastInterrupt = undefined;
    this.store.update(() => ({ hint: undefined }));
    const text = line.trim();
    if (text === '') return;
    if (text.startsWith('/')) {
      await runCommand(this, text);
      return;
    }
    await this.send(text);
  }

  /** Sends a prompt; the reply streams in through the frontend. */
  async send(text: string): Promise<void> {
    const s = this.store;
    if (s.state.running) {
      this.notice(ours('a turn is still running: wait, or /cancel (Ctrl-C) it'), 'warn');
      return;
    }
    s.update((st) => ({
      transcript: [...st.transcript, { id: s.id(), kind: 'user', text: safeBlock(text) }],
      running: true,
    }));
    try {
      await this.options.client.call('session.send', { sessionId: s.state.sessionId, text });
    } catch (err) {
      s.finishTurn();
      this.notice(ours(`not sent: ${safe(errorText(err))}`), 'error');
      this.wakeIdle();
    }
  }

  /** Resolves once no turn runs. */
  whenIdle(): Promise<void> {
    if (!this.store.state.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Cancels the running turn (`session.cancel`); false when none ran. */
  async cancelTurn(): Promise<boolean> {
    const { cancelled } = await this.options.client.call('session.cancel', {
      sessionId: this.store.state.sessionId,
    });
    return cancelled;
  }

  /**
   * Ctrl-C: cancels the running turn; a second press (when idle, or twice within
   * {@link DOUBLE_PRESS_MS}) exits. A first press when idle only arms the exit.
   */
  interrupt(): InterruptOutcome {
    const now = this.now();
    const last = this.lastInterrupt;
    this.lastInterrupt = now;
    const running = this.store.state.running;
    if (last !== undefined && (!running || now - last <= DOUBLE_PRESS_MS)) {
      this.quit(0);
      return 'exit';
    }
    if (running) {
      this.store.update(() => ({ hint: ours('cancelling the turn… (Ctrl-C again to exit)') }));
      this.cancelTurn().catch((err: unknown) =>
        this.notice(ours(`cancel failed: ${safe(errorText(err))}`), 'error'),
      );
      return 'cancel';
    }
    this.store.update(() => ({ hint: ours('press Ctrl-C again to exit (or /quit)') }));
    return 'armed';
  }

  /** Typing after a first Ctrl-C: the next Ctrl-C arms again instead of exiting. */
  disarm(): void {
    if (this.lastInterrupt === undefined) return;
    this.lastInterrupt = undefined;
    this.store.update(() => ({ hint: undefined }));
  }

  /** Answers the approval card `id`. */
  decide(id: string, answer: CardAnswer): boolean {
    return this.frontend.decide(id, answer);
  }

  /** Answers the elicitation form `id`. */
  answerElicitation(id: string, answer: ElicitationAnswer): boolean {
    return this.frontend.answerElicitation(id, answer);
  }

  /** Esc: cancels the oldest auto-apply countdown. */
  async cancelCountdown(): Promise<boolean | undefined> {
    return this.frontend.cancelCountdown();
  }

  /**
   * `/copy`: the last reply, sanitised, as one OSC 52 "set clipboard" sequence written by us
   * (the terminal, also over SSH, puts it on the clipboard). Returns what was copied.
   */
  copyLastReply(): SafeText | undefined {
    if (this.lastReply === '') {
      this.notice(ours('nothing to copy yet'), 'warn');
      return undefined;
    }
    if (this.rawWriter === undefined) {
      this.notice(ours('/copy needs a terminal (OSC 52)'), 'warn');
      return undefined;
    }
    const text = safeBlock(this.lastReply);
    this.rawWriter(osc52(text));
    this.notice(ours(`copied the last reply (${text.length} characters) to the clipboard`), 'ok');
    return text;
  }

  /** Ends the chat with `code`. */
  quit(code: 0 | 1 = 0): void {
    this.resolveExit(code);
  }

  /** Detaches from the session (pending cards are dropped, answered by nobody here). */
  async close(): Promise<void> {
    const a = this.attachment;
    this.attachment = undefined;
    await a?.detach().catch(() => undefined);
  }
}

/** One line for an error (its code when it has one). */
export function errorText(err: unknown): string {
  if (isAstridError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
