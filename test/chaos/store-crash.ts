/**
 * Chaos scenario "agent killed -9 mid-write, 50 times" (issue #7). Starting the whole agent 50
 * times would spend the time budget on Node start-ups and Docker, not on writes; instead a child
 * process opens the agent's real store (SqliteAgentStore: WAL, synchronous=FULL) and writes as an
 * agent under heavy change does (store-writer.ts) until it is killed -9 at a random moment — some
 * while it starts and opens the file, most in the middle of its stream of transactions. After
 * every kill the file must open, pass `PRAGMA integrity_check`, and hold exactly one whole desired
 * state: parsed, its row's generation equal to its payload's, every part of it from that one
 * generation (churn-state.ts), and no older than the last generation the writer acknowledged.
 * The kill moments come from a seeded generator: a failure names the seed that reproduces it.
 */
import type { Test } from 'tap';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAgentStore } from '../../agent/store/sqlite-agent-store.js';
import { repoRoot } from '../helpers/repo.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { waitFor } from '../helpers/wait.js';
import { churnProblems } from './churn-state.js';

const KILLS = 50;
const SEED = 7_2026;

interface WriterRun {
  /** The highest generation the writer printed as saved before it died (0: none this run). */
  lastSaved: number;
  signal: NodeJS.Signals | null;
}

/** Starts the writer on `file` and kills it -9 `delayMs` after it is ready (or after spawn, when `early`). */
async function writeAndKill(writer: string, file: string, delayMs: number, early: boolean): Promise<WriterRun> {
  const child = spawn(process.execPath, [writer, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  if (!early) {
    await waitFor('the writer to open the store', () => {
      if (child.exitCode !== null) throw new Error(`writer exited with ${child.exitCode}: ${stderr}`);
      return output.includes('ready');
    }, { intervalMs: 5 });
  }
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  const signal = await exited;
  const saved = [...output.matchAll(/saved (\d+)/g)].map((m) => Number(m[1]));
  return { lastSaved: saved.length > 0 ? Math.max(...saved) : 0, signal };
}

/** What is wrong with the file after a kill (empty: nothing), given the highest generation ever acknowledged. */
function inspect(file: string, acknowledged: number): { problems: string[]; generation: number } {
  const problems: string[] = [];
  const db = new Database(file);
  const integrity = db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  const row = db.prepare('SELECT generation FROM desired_state WHERE id = 1').get() as { generation: number } | undefined;
  db.close();
  const store = new SqliteAgentStore(file);
  const state = store.loadDesired();
  store.close();
  if (acknowledged > 0 && !state) problems.push(`no desired state, but generation ${acknowledged} was acknowledged`);
  if (state) {
    if (state.generation !== row?.generation) problems.push(`row generation ${row?.generation} but payload generation ${state.generation}`);
    problems.push(...churnProblems(state));
    if (state.generation < acknowledged) problems.push(`generation ${state.generation} is older than the acknowledged ${acknowledged}`);
    // The one write in flight at the kill may have committed without being acknowledged; no more.
    if (state.generation > acknowledged + 1) problems.push(`generation ${state.generation} was never written (acknowledged ${acknowledged})`);
  }
  return { problems, generation: state?.generation ?? 0 };
}

export async function storeCrash(t: Test): Promise<void> {
  const writer = join(repoRoot(), 'dist', 'test', 'chaos', 'store-writer.js');
  if (!existsSync(writer)) throw new Error(`${writer} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), 'skiff-chaos-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'agent.db');
  const random = seededRandom(SEED);
  t.comment(`seed ${SEED}`);

  let acknowledged = 0;
  let killedMidStream = 0;
  const failures: string[] = [];
  const signals = new Set<string>();
  for (let kill = 1; kill <= KILLS; kill++) {
    // One kill in five lands anywhere from start-up on (opening the file, recovering its WAL); the rest mid-stream.
    const early = random() < 0.2;
    const run = await writeAndKill(writer, file, Math.floor(random() * (early ? 300 : 150)), early);
    signals.add(String(run.signal));
    if (run.lastSaved > 0) killedMidStream += 1;
    acknowledged = Math.max(acknowledged, run.lastSaved);
    const { problems, generation } = inspect(file, acknowledged);
    failures.push(...problems.map((p) => `kill ${kill}: ${p}`));
    acknowledged = Math.max(acknowledged, generation);
  }
  t.same([...signals], ['SIGKILL'], `all ${KILLS} writers died of kill -9, none finished on its own`);
  t.same(failures, [], `after each of ${KILLS} kills: integrity_check ok, one whole desired state, no acknowledged write lost`);
  t.ok(killedMidStream >= KILLS / 2, `most kills landed in the middle of the write stream (${killedMidStream} of ${KILLS})`);
  t.ok(acknowledged > KILLS, `the writers committed many states across the kills (last generation ${acknowledged})`);
}
