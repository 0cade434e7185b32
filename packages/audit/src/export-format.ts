import { IdSchema } from '@astrid/core';
import { z } from 'zod';
import { AuditCheckpointSchema } from './checkpoint.js';

/** The `format` and `version` of an export's header line. */
export const EXPORT_FORMAT = 'astrid-audit-export';
export const EXPORT_VERSION = 1;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * One line of a JSONL export. In order: one `header`, the `key`s of the exporting runtime's
 * key history, the `checkpoint`s by seq, the `entry`s by seq. Key lines are informative only:
 * a verifier trusts the key history it is given, never keys carried by the file it checks.
 */
export const ExportLineSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('header'),
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(EXPORT_VERSION),
    exportedAt: z.number().int().nonnegative(),
    head: z.strictObject({ seq: z.number().int().nonnegative(), hash: Hex64 }).nullable(),
  }),
  z.strictObject({
    type: z.literal('key'),
    key: z.strictObject({
      keyId: IdSchema,
      publicKey: z.string().regex(/^[0-9a-f]{64}$/),
      createdAt: z.number(),
      retiredAt: z.number().nullable(),
    }),
  }),
  z.strictObject({ type: z.literal('checkpoint'), checkpoint: AuditCheckpointSchema }),
  // The entry is validated on its own (AuditEntrySchema) so that a bad one is reported at its seq.
  z.strictObject({ type: z.literal('entry'), entry: z.unknown(), raw: z.string().optional() }),
]);
export type ExportLine = z.output<typeof ExportLineSchema>;
