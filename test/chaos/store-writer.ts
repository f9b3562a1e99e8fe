/**
 * Child process of the store-crash scenario (run from dist/: `node dist/test/chaos/store-writer.js
 * FILE`): opens the agent's real store on FILE and writes as an agent under heavy change does —
 * a new desired state, the Pods' container history, report sequence numbers — as fast as it can,
 * until it is killed -9. After each committed desired state it prints its generation on stdout
 * (synchronously), so the test knows what was acknowledged before the kill.
 */
import { writeSync } from 'node:fs';
import { SqliteAgentStore } from '../../agent/store/sqlite-agent-store.js';
import { churnState, CHURN_PODS } from './churn-state.js';

const file = process.argv[2];
if (!file) throw new Error('usage: store-writer.js FILE');
const store = new SqliteAgentStore(file);
let generation = store.loadDesired()?.generation ?? 0;
writeSync(1, `ready ${generation}\n`);
for (;;) {
  generation += 1;
  if (!store.saveDesired(churnState(generation))) throw new Error(`generation ${generation} refused`);
  writeSync(1, `saved ${generation}\n`);
  for (let i = 0; i < CHURN_PODS; i += 8) {
    store.putHistory(`uid-${i}-${generation}/web`, { attempts: generation, backoffStreak: 0, lastHash: 'h'.repeat(64), lastStartedAtMs: Date.now() });
    store.nextSeq();
  }
  store.pruneHistory(new Set(Array.from({ length: CHURN_PODS }, (_, i) => `uid-${i}-${generation}`)));
}
