import type { AuditAppendInput } from '../src/index.js';
import { prepareEntry, sealEntry } from '../src/prepare.js';

const DECISION: AuditAppendInput = {
  kind: 'decision',
  principal: 'agent-1',
  sessionId: 'sess-bench',
  action: { kind: 'execute_command', argv: ['git', 'status', '--short'], cwd: '/home/user/project' },
  decision: {
    verdict: 'allow',
    risk: 'high',
    proof: {
      policyRuleId: 'allow-git',
      tokenId: 'tok_bench',
      budget: { costMicros: 10_000, spentMicros: 1_250_000, limitMicros: 10_000_000 },
    },
  },
};
let n = 0;
const N = 20000;
for (let r = 0; r < 5; r++) {
  let t = performance.now();
  const ps = [];
  for (let i = 0; i < N; i++) ps.push(prepareEntry(DECISION, 1700000000000 + i, `aud_${i}`));
  const prep = ((performance.now() - t) * 1000) / N;
  t = performance.now();
  let h = 'x'.repeat(64);
  for (let i = 0; i < N; i++) {
    const s = sealEntry(ps[i]!, i, h);
    h = s.hash;
    n += s.body.length;
  }
  const seal = ((performance.now() - t) * 1000) / N;
  console.log(`prepare ${prep.toFixed(2)}us seal ${seal.toFixed(2)}us`);
}
