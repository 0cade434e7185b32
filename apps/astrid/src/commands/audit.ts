import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AuditEntryWire } from '@astrid/core';
import type { Command } from 'commander';
import type { Context } from '../context.js';
import { parseIntArg, time } from '../format.js';
import { CliError, EXIT } from '../io.js';
import { verifyOffline } from './audit-offline.js';

/** What both verifications print and exit with. */
export interface VerifyOutcome {
  readonly ok: boolean;
  readonly entries?: unknown;
  readonly checkpoints?: unknown;
  readonly damage?: unknown;
}

/** Prints a verification result; exit 3 when the log or export is damaged. */
export function reportVerify(ctx: Context, result: VerifyOutcome, json: boolean, what: string): void {
  if (json) ctx.out.json(result);
  else if (result.ok) {
    ctx.out.line(
      `${what} verified: ${String(result.entries)} entries, ${String(result.checkpoints)} checkpoints`,
    );
  } else {
    const d = result.damage as { kind?: unknown; seq?: unknown; message?: unknown } | null | undefined;
    const where =
      d === null || d === undefined
        ? ''
        : `: ${String(d.kind)} at seq ${String(d.seq)}: ${String(d.message)}`;
    ctx.out.line(`${what} verification FAILED${where}`);
  }
  if (!result.ok) throw new CliError('', EXIT.verificationFailed);
}

function summary(e: AuditEntryWire): string {
  const rest = { ...e } as Record<string, unknown>;
  for (const k of ['seq', 'id', 'kind', 'timestamp', 'principal', 'sessionId', 'prevHash', 'hash'])
    delete rest[k];
  const text = JSON.stringify(rest);
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

/** `astrid audit list | show | verify | stats | export`. */
export function registerAudit(program: Command, ctx: Context): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('list')
    .description('list audit entries (oldest first unless --reverse)')
    .option('--session <id>', 'only this session')
    .option('--kind <kind>', 'only this kind (approval_resolved, token_revoked...)')
    .option('--from <seq>', 'start at this seq')
    .option('--limit <n>', 'at most n entries (default 100, max 1000)')
    .option('--reverse', 'newest first')
    .option('--json', 'machine-readable output')
    .action(
      async (opts: {
        session?: string;
        kind?: string;
        from?: string;
        limit?: string;
        reverse?: boolean;
        json?: boolean;
      }) => {
        const params = {
          ...(opts.session === undefined ? {} : { sessionId: opts.session }),
          ...(opts.kind === undefined ? {} : { kind: opts.kind }),
          ...(opts.from === undefined ? {} : { fromSeq: parseIntArg(opts.from, '--from') }),
          ...(opts.limit === undefined ? {} : { limit: parseIntArg(opts.limit, '--limit') }),
          ...(opts.reverse === true ? { reverse: true } : {}),
        };
        const result = await ctx.withClient((c) => c.call('audit.list', params));
        if (opts.json === true) return ctx.out.json(result);
        if (result.entries.length === 0) return ctx.out.line('no audit entries');
        ctx.out.table(
          ['SEQ', 'TIME', 'KIND', 'SESSION', 'DETAILS'],
          result.entries.map((e) => [
            String(e.seq),
            time(e.timestamp),
            e.kind,
            e.sessionId ?? '-',
            summary(e),
          ]),
        );
      },
    );

  audit
    .command('show <seq>')
    .description('one audit entry')
    .option('--json', 'machine-readable output')
    .action(async (seqText: string, opts: { json?: boolean }) => {
      const seq = parseIntArg(seqText, '<seq>');
      const entry = await ctx.withClient((c) => c.call('audit.get', { seq }));
      if (opts.json === true) return ctx.out.json(entry);
      // The entry's fields may hold agent-supplied text: Output.block sanitises them.
      ctx.out.block(JSON.stringify(entry, null, 2));
    });

  audit
    .command('verify')
    .description("verify the daemon's log, or offline an export (--file) against a trusted key")
    .option('--deep', 'also re-check every index (daemon only)')
    .option('--file <export.jsonl>', 'verify this export offline, without a daemon')
    .option('--public-key <hex>', 'the runtime public key to trust (with --file)')
    .option('--key-history <file>', 'a key history to trust: keys/history.json or `astrid keys show --json`')
    .option('--json', 'machine-readable output')
    .action(
      async (opts: {
        deep?: boolean;
        file?: string;
        publicKey?: string;
        keyHistory?: string;
        json?: boolean;
      }) => {
        const json = opts.json === true;
        if (opts.file !== undefined) {
          const result = await verifyOffline(ctx, opts.file, opts.publicKey, opts.keyHistory);
          return reportVerify(ctx, result, json, 'audit export');
        }
        if (opts.publicKey !== undefined || opts.keyHistory !== undefined) {
          throw new CliError('--public-key and --key-history need --file <export.jsonl>', EXIT.usage);
        }
        const result = await ctx.withClient((c) =>
          c.call('audit.verify', opts.deep === true ? { deep: true } : {}),
        );
        reportVerify(ctx, result, json, 'audit log');
      },
    );

  audit
    .command('stats')
    .description('entry count, head and latest checkpoint')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const s = await ctx.withClient((c) => c.call('audit.stats'));
      if (opts.json === true) return ctx.out.json(s);
      ctx.out.line(`entries:    ${s.entries}`);
      ctx.out.line(`head:       ${s.head === null ? '-' : `seq ${s.head.seq} ${s.head.hash}`}`);
      ctx.out.line(`checkpoint: ${s.checkpoint === null ? '-' : `seq ${s.checkpoint.seq}`}`);
    });

  audit
    .command('export <file>')
    .description('write the whole log as JSONL (verify it later with `audit verify --file`)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      const path = resolve(ctx.cwd, file);
      const lines: string[] = [];
      await ctx.withClient(async (c) => {
        let offset = 0;
        for (;;) {
          const page = await c.call('audit.export', { offset, limit: 10_000 });
          lines.push(...page.lines);
          if (page.next === undefined) return;
          offset = page.next;
        }
      });
      try {
        // 'wx': never overwrite a file (an earlier export may be the evidence someone keeps).
        await writeFile(path, lines.map((l) => (l.endsWith('\n') ? l : `${l}\n`)).join(''), {
          flag: 'wx',
          mode: 0o600,
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new CliError(`${path} exists: choose another file or remove it first`, EXIT.error, {
            cause: err,
          });
        }
        throw new CliError(`cannot write ${path}: ${(err as Error).message}`, EXIT.error, { cause: err });
      }
      if (opts.json === true) return ctx.out.json({ file: path, lines: lines.length });
      // lines counts export lines (header, keys, checkpoints, entries).
      ctx.out.line(`wrote ${lines.length} lines to ${path}`);
    });
}
