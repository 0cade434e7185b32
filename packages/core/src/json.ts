import { z } from 'zod';

/** A JSON value: what may be hashed, signed, stored and sent over the wire. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (tool arguments, schemas). */
export type JsonObject = { readonly [key: string]: JsonValue };

/** zod schema for {@link JsonValue} (finite numbers only). */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number().finite(),
    z.string(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);
