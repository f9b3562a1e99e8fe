/**
 * docs/tutorial.md as a test script: the parser that finds its commands and their printed output,
 * the normaliser that hides what changes from run to run, and the shell that runs the commands as
 * a reader types them (test/integration/tutorial.test.ts drives it; tutorial-parser.test.ts
 * specifies the parser and the normaliser).
 *
 * The format, as the tutorial writes it:
 * - Only ```console blocks are run. In them, a line starting with `$ ` is a command (a line
 *   ending in `\` continues on the next), the lines up to the next command are what it prints
 *   (stdout and stderr together, as a terminal shows them).
 * - An HTML comment right before a block changes how its commands run:
 *   `<!-- tutorial: background until "TEXT" -->` for a command that runs until stopped (the hub,
 *   the agent): started in the background, waited for until its output holds TEXT, stopped at
 *   the end; its block shows an excerpt of what it prints, which is not compared.
 *   `<!-- tutorial: retry -->` where the tutorial tells the reader they may have to wait and run
 *   the command again: it is run again until its output matches, within a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { stop } from './processes.js';

export type TutorialMarker = { kind: 'background'; until: string } | { kind: 'retry' };

export interface TutorialCommand {
  /** The heading the command is under: names the step in a failure. */
  section: string;
  /** The command as the reader types it (continuation lines joined with newlines). */
  command: string;
  /** What the tutorial shows it printing. */
  expected: string;
  /** 1-based line of the command in the file. */
  line: number;
  /** 0-based [start, end) line range of the expected output in the file. */
  outputLines: [number, number];
  marker?: TutorialMarker;
}

const MARKER = /^<!--\s*tutorial:\s*(.*?)\s*-->$/;

export function parseMarker(text: string): TutorialMarker {
  const background = /^background until "([^"]+)"$/.exec(text);
  if (background) return { kind: 'background', until: background[1]! };
  if (text === 'retry') return { kind: 'retry' };
  throw new Error(`unknown tutorial marker "${text}" (expected: background until "TEXT", or retry)`);
}

/** Every command of every ```console block, in order. Throws on a malformed block or marker. */
export function parseTutorial(markdown: string): TutorialCommand[] {
  const lines = markdown.split('\n');
  const commands: TutorialCommand[] = [];
  let section = '(before the first heading)';
  let pending: { marker: TutorialMarker; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^(```+|~~~+)\s*(\S*)/.exec(line);
    if (fence) {
      const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!));
      if (end < 0) throw new Error(`line ${i + 1}: a code block that never ends`);
      if (fence[2] === 'console') {
        const block = parseConsoleBlock(lines, i + 1, end, section, pending?.marker);
        if (pending?.marker.kind === 'background' && block.length !== 1) {
          throw new Error(`line ${pending.line}: a background block holds exactly one command, this one has ${block.length}`);
        }
        commands.push(...block);
      } else if (pending) {
        throw new Error(`line ${pending.line}: a tutorial marker must come right before a \`\`\`console block`);
      }
      pending = undefined;
      i = end;
      continue;
    }
    const marker = MARKER.exec(line.trim());
    if (marker) {
      pending = { marker: parseMarker(marker[1]!), line: i + 1 };
      continue;
    }
    if (line.trim() === '') continue;
    if (pending) throw new Error(`line ${pending.line}: a tutorial marker must come right before a \`\`\`console block`);
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) section = heading[1]!.trim();
  }
  if (pending) throw new Error(`line ${pending.line}: a tutorial marker must come right before a \`\`\`console block`);
  return commands;
}

function parseConsoleBlock(lines: string[], start: number, end: number, section: string, marker: TutorialMarker | undefined): TutorialCommand[] {
  const commands: TutorialCommand[] = [];
  let i = start;
  if (i < end && !lines[i]!.startsWith('$ ')) throw new Error(`line ${i + 1}: a console block starts with a \`$ \` command`);
  while (i < end) {
    const first = i;
    const parts = [lines[i]!.slice(2)];
    while (parts[parts.length - 1]!.endsWith('\\') && i + 1 < end) parts.push(lines[++i]!);
    const outputStart = ++i;
    while (i < end && !lines[i]!.startsWith('$ ')) i++;
    commands.push({
      section,
      command: parts.join('\n'),
      expected: lines.slice(outputStart, i).join('\n'),
      line: first + 1,
      outputLines: [outputStart, i],
      ...(marker ? { marker } : {}),
    });
  }
  return commands;
}

/**
 * What differs between two honest runs of the same command, and how it is hidden. Everything
 * else must match exactly, so that a change in the CLI's output fails the test.
 */
const ALPHANUMERIC_ID = '[bcdfghjklmnpqrstvwxz2456789]'; // Kubernetes' alphabet for generated names and hashes (no vowels)
const hasDigitAndLetter = (s: string): boolean => /\d/.test(s) && /[a-z]/.test(s);

interface Rule {
  why: string;
  /** Only for commands this matches (default: every command). */
  command?: RegExp;
  apply: (text: string) => string;
}

const RULES: readonly Rule[] = [
  { why: 'dates (describe: Start Time, Started)', apply: (s) => s.replace(/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\b/g, '<date>') },
  { why: 'container and image ids', apply: (s) => s.replace(/\b[0-9a-f]{64}\b/g, '<id>') },
  {
    why: 'pod names: NAME-<pod-template-hash>-<5 random characters>',
    apply: (s) => s.replace(new RegExp(`\\b([a-z0-9]+(?:-[a-z0-9]+)*?)-${ALPHANUMERIC_ID}{1,10}-${ALPHANUMERIC_ID}{5}\\b`, 'g'), '$1-<hash>-<id>'),
  },
  {
    why: 'pod-template-hash values and ReplicaSet names (NAME-<hash>)',
    apply: (s) => s.replace(new RegExp(`(?<=[a-z0-9]-|=)${ALPHANUMERIC_ID}{6,10}\\b`, 'g'), (hash) => (hasDigitAndLetter(hash) ? '<hash>' : hash)),
  },
  { why: 'IPv4 addresses (node, pod and cluster IPs)', apply: (s) => s.replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<ip>') },
  { why: 'ages under 10 minutes (kubectl prints 42s, 2m5s)', apply: (s) => s.replace(/\b(?:\d+m)?\d+s\b/g, '<age>') },
  {
    why: 'rollout progress: how many "Waiting for ..." lines rollout status prints depends on timing',
    apply: (s) => s.split('\n').filter((l) => !/^Waiting for (?:deployment|daemon set) ".*" rollout to finish: /.test(l)).join('\n'),
  },
  { why: 'measured usage in skiff top', command: /^skiff top\b/, apply: (s) => s.replace(/\b\d+m\b/g, '<cpu>').replace(/\b\d+Mi\b/g, '<memory>') },
  { why: 'measured utilisation in skiff get hpa', command: /^skiff get (?:hpa|horizontalpodautoscalers?)\b/, apply: (s) => s.replace(/\b\d+%\//g, '<n>%/') },
  {
    why: 'column widths (they follow the widths of the volatile values) and trailing blanks',
    apply: (s) =>
      s
        .split('\n')
        .map((l) => l.replace(/(\S) {2,}/g, '$1  ').replace(/\s+$/, ''))
        .join('\n')
        .replace(/^\n+|\n+$/g, ''),
  },
];

/**
 * `output` of `command` with the volatile parts replaced; `ports` maps the ports this run used
 * to the ones the tutorial shows (the test's hub cannot take the default ports).
 */
export function normaliseOutput(command: string, output: string, ports: ReadonlyMap<number, number> = new Map()): string {
  let text = output;
  for (const [actual, shown] of ports) text = text.replace(new RegExp(`:${actual}\\b`, 'g'), `:${shown}`);
  for (const rule of RULES) if (!rule.command || rule.command.test(command)) text = rule.apply(text);
  return text;
}

/** `command` with the tutorial's ports replaced by the ones this run uses. */
export function commandForRun(command: string, ports: ReadonlyMap<number, number>): string {
  let text = command;
  for (const [actual, shown] of ports) text = text.replace(new RegExp(`:${shown}\\b`, 'g'), `:${actual}`);
  return text;
}

export interface ShellResult {
  code: number;
  output: string;
}

/**
 * Runs commands in bash as a reader's terminal would, one after the other: what a command exports
 * or assigns (SKIFF_CONFIG, POD=...) is there for the next one, as it is in the reader's shell.
 * Each command is its own `bash -c` (a stuck command cannot take the others with it); the
 * variables travel through `stateFile` (`set -a` exports every assignment, `export -p` saves).
 */
export class TutorialShell {
  private readonly background: ChildProcess[] = [];

  constructor(private readonly options: { cwd: string; env: NodeJS.ProcessEnv; stateFile: string }) {}

  private prelude(): string {
    return `set -a\n[ -f ${quote(this.options.stateFile)} ] && . ${quote(this.options.stateFile)}\n`;
  }

  run(command: string, timeoutMs = 120_000): Promise<ShellResult> {
    const script = `${this.prelude()}exec 2>&1\n${command}\n__tutorial_rc=$?\nexport -p > ${quote(this.options.stateFile)}\nexit $__tutorial_rc\n`;
    return new Promise((resolve) => {
      const child = spawn('bash', ['-c', script], { cwd: this.options.cwd, env: this.options.env, stdio: ['ignore', 'pipe', 'ignore'] }); // the script sends stderr to stdout itself
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), output: signal ? `${output}\n(killed by ${signal} after ${timeoutMs} ms)` : output });
      });
    });
  }

  /** Starts a long-running command with its output in `logFile`; stopped by `stopAll`. */
  startBackground(command: string, logFile: string): ChildProcess {
    const fd = openSync(logFile, 'a');
    // exec all the way down (bash, the skiff wrapper): the process signalled is the program itself.
    const child = spawn('bash', ['-c', `${this.prelude()}exec ${command}`], { cwd: this.options.cwd, env: this.options.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.background.push(child);
    return child;
  }

  /** Stops the background commands, the last started first (the agent before the hub). */
  async stopAll(): Promise<void> {
    for (const child of [...this.background].reverse()) await stop(child);
  }
}

export function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
