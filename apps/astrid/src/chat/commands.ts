import { dollars } from '../format.js';
import { actionTarget } from './approval-card.js';
import type { ChatController } from './controller.js';
import { errorText } from './controller.js';
import { cut, ours, safe } from './safe-text.js';

/** The slash commands and what each does (shown by `/help`). */
export const SLASH_COMMANDS: readonly { readonly name: string; readonly help: string }[] = [
  { name: '/help', help: 'this list' },
  { name: '/new', help: 'start a new session (same workspace and mode)' },
  { name: '/sessions', help: 'list the sessions' },
  { name: '/approvals', help: 'list pending approval requests (all sessions)' },
  { name: '/budget', help: "this session's spend and limit" },
  { name: '/cancel', help: 'cancel the running turn (also Ctrl-C)' },
  { name: '/copy', help: 'copy the last reply to the clipboard (OSC 52, works over SSH)' },
  { name: '/quit', help: 'leave (also Ctrl-C twice, or Ctrl-D on an empty line)' },
];

/** Runs one slash command; its output goes to the transcript as notices. */
export async function runCommand(chat: ChatController, line: string): Promise<void> {
  const name = line.split(/\s+/, 1)[0] ?? '';
  const client = chat.client;
  try {
    switch (name) {
      case '/help':
        for (const c of SLASH_COMMANDS) chat.notice(ours(`${c.name.padEnd(11)} ${c.help}`));
        chat.notice(
          ours('keys: ↑/↓ history · Esc cancels an auto-apply countdown · Ctrl-C cancels the turn'),
        );
        return;
      case '/new':
        if (chat.state.running) {
          chat.notice(ours('a turn is running: /cancel it first'), 'warn');
          return;
        }
        await chat.openSession();
        return;
      case '/sessions': {
        const { sessions } = await client.call('session.list', {});
        if (sessions.length === 0) chat.notice(ours('no sessions'));
        for (const s of sessions) {
          const here = s.id === chat.state.sessionId ? ' (this one)' : '';
          chat.notice(
            ours(
              `${safe(s.id)}  ${s.status}${s.running ? ', running' : ''}  ${s.messages} messages  ` +
                `${dollars(s.spentMicros)}  ${cut(safe(s.label), 60)}${here}`,
            ),
          );
        }
        return;
      }
      case '/approvals': {
        const { approvals } = await client.call('approval.list', { state: 'pending' });
        if (approvals.length === 0) chat.notice(ours('no pending approvals'));
        for (const a of approvals) {
          chat.notice(
            ours(
              `${safe(a.id)}  ${safe(a.action.kind)} ${cut(safe(actionTarget(a.action)), 80)}  ${a.risk}  ` +
                `session ${safe(a.session)}`,
            ),
          );
        }
        return;
      }
      case '/budget': {
        const b = await client.call('budget.get', { sessionId: chat.state.sessionId });
        const limit = b.limit === null ? 'no limit' : `limit ${dollars(b.limit)}`;
        chat.notice(ours(`spent ${dollars(b.spent)}, reserved ${dollars(b.reserved)}, ${limit}`));
        return;
      }
      case '/cancel': {
        const cancelled = await chat.cancelTurn();
        chat.notice(ours(cancelled ? 'cancelling the turn…' : 'no turn is running'));
        return;
      }
      case '/copy':
        chat.copyLastReply();
        return;
      case '/quit':
      case '/exit':
        chat.quit(0);
        return;
      default:
        chat.notice(ours(`unknown command ${cut(safe(name), 40)}: /help lists them`), 'warn');
    }
  } catch (err) {
    chat.notice(ours(`${cut(safe(name), 40)} failed: ${safe(errorText(err))}`), 'error');
  }
}
