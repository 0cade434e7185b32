import { sessionId } from '@astrid/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BudgetEvent, BudgetLedger, isBudgetRefusal } from '../../src/budget/ledger.js';
import { formatMicros, usageCost, usdToMicros, worstCaseLlmCost } from '../../src/budget/money.js';

const S1 = sessionId('s1');
const S2 = sessionId('s2');
const USD = 1_000_000;

describe('money', () => {
  it('converts USD to integer micro-dollars and back to text', () => {
    expect(usdToMicros(100)).toBe(100 * USD);
    expect(usdToMicros(0.1 + 0.2)).toBe(300_000);
    expect(formatMicros(1_500_000)).toBe('$1.50');
    expect(formatMicros(1)).toBe('$0.000001');
    expect(() => usdToMicros(-1)).toThrow(RangeError);
    expect(() => usdToMicros(Number.NaN)).toThrow(RangeError);
  });

  it('prices usage rounding up and reserves the worst case of an LLM request', () => {
    const pricing = { inputPerMTok: 3 * USD, outputPerMTok: 15 * USD, cacheWritePerMTok: 3_750_000 };
    expect(usageCost({ inputTokens: 1_000_000, outputTokens: 0 }, pricing)).toBe(3 * USD);
    expect(usageCost({ inputTokens: 1, outputTokens: 0 }, pricing)).toBe(3);
    expect(usageCost({ inputTokens: 0, outputTokens: 1 }, pricing)).toBe(15);
    // Worst case: input at the dearest input rate (cache write) + all of max_tokens as output.
    expect(worstCaseLlmCost(1000, 4096, pricing)).toBe(Math.ceil(1000 * 3.75) + Math.ceil(4096 * 15));
  });
});

describe('BudgetLedger', () => {
  it('lets at most 10 of 20 concurrent $10 actions run against $100 and spends at most $100', async () => {
    const ledger = new BudgetLedger({ sessionMax: 100 * USD });
    let ran = 0;
    const action = async () => {
      const r = ledger.reserve(S1, 10 * USD);
      if (isBudgetRefusal(r)) return false;
      try {
        await new Promise((res) => setImmediate(res));
        ran++;
        r.commit();
        return true;
      } catch (err) {
        r.refund();
        throw err;
      }
    };
    const results = await Promise.all(Array.from({ length: 20 }, action));
    expect(results.filter(Boolean)).toHaveLength(10);
    expect(ran).toBe(10);
    expect(ledger.usage(S1)).toEqual({ spent: 100 * USD, reserved: 0, limit: 100 * USD });
  });

  it('refunds a cancelled or denied action, and a refund after commit gives nothing back', () => {
    const ledger = new BudgetLedger({ sessionMax: 10 * USD });
    const a = ledger.reserve(S1, 10 * USD);
    if (isBudgetRefusal(a)) throw new Error('expected a reservation');
    expect(isBudgetRefusal(ledger.reserve(S1, 1))).toBe(true);
    a.refund(); // cancelled
    expect(ledger.usage(S1)).toMatchObject({ spent: 0, reserved: 0 });
    const b = ledger.reserve(S1, 4 * USD);
    if (isBudgetRefusal(b)) throw new Error('expected a reservation');
    b.commit(3 * USD);
    b.refund();
    expect(ledger.usage(S1)).toMatchObject({ spent: 3 * USD, reserved: 0 });
    expect(() => b.commit()).toThrow(/already settled/);
  });

  it('refuses over the per-action limit and names the limit', () => {
    const ledger = new BudgetLedger({ perActionMax: 2 * USD, sessionMax: 100 * USD });
    const r = ledger.reserve(S1, 3 * USD);
    expect(isBudgetRefusal(r) && r.limit).toBe('per_action');
    expect(isBudgetRefusal(ledger.reserve(S1, 2 * USD))).toBe(false);
  });

  it('keeps sessions apart and enforces a shared workspace limit', () => {
    const ledger = new BudgetLedger({ sessionMax: 10 * USD, workspaceMax: 15 * USD });
    expect(isBudgetRefusal(ledger.reserve(S1, 10 * USD, '/ws'))).toBe(false);
    const r = ledger.reserve(S2, 10 * USD, '/ws');
    expect(isBudgetRefusal(r) && r.limit).toBe('workspace');
    expect(isBudgetRefusal(ledger.reserve(S2, 5 * USD, '/ws'))).toBe(false);
  });

  it('warns once at warn_at_percent and extends the limit after approval', () => {
    const events: BudgetEvent[] = [];
    const ledger = new BudgetLedger({ sessionMax: 10 * USD, warnAtPercent: 80 }, (e) => events.push(e));
    const r1 = ledger.reserve(S1, 7 * USD);
    if (isBudgetRefusal(r1)) throw new Error('expected a reservation');
    r1.commit();
    expect(events).toEqual([]);
    const r2 = ledger.reserve(S1, 1 * USD);
    if (isBudgetRefusal(r2)) throw new Error('expected a reservation');
    r2.commit();
    expect(events).toEqual([{ type: 'budget_warning', session: S1, used: 8 * USD, limit: 10 * USD }]);
    expect(isBudgetRefusal(ledger.reserve(S1, 5 * USD))).toBe(true);
    ledger.extend(S1, 5 * USD);
    expect(events.at(-1)).toEqual({ type: 'budget_extended', session: S1, by: 5 * USD, limit: 15 * USD });
    expect(isBudgetRefusal(ledger.reserve(S1, 5 * USD))).toBe(false);
  });

  it('never lets spent + reserved exceed the limit over random interleavings', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            amount: fc.integer({ min: 0, max: 30 }),
            settle: fc.constantFrom('commit', 'refund', 'hold'),
          }),
        ),
        (ops) => {
          const ledger = new BudgetLedger({ sessionMax: 100 });
          for (const op of ops) {
            const r = ledger.reserve(S1, op.amount);
            if (!isBudgetRefusal(r)) {
              if (op.settle === 'commit') r.commit();
              if (op.settle === 'refund') r.refund();
            }
            const u = ledger.usage(S1);
            expect(u.spent + u.reserved).toBeLessThanOrEqual(100);
          }
        },
      ),
    );
  });
});
