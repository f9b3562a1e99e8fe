/**
 * The docs cannot silently fall behind the code or each other: every relative link in README.md
 * and docs/*.md names a file that exists (and, for a Markdown file, a heading that exists), and
 * docs/protocol.md names every MQTT topic shared/mqtt/topics.ts defines, so a new channel or
 * fleet topic fails here until the protocol document describes it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import t from 'tap';
import { DOWNWARD_CHANNELS, FLEET_TOPICS, TOPIC_PREFIX, UPWARD_CHANNELS, agentClientId, PRESENCE_OFFLINE, PRESENCE_ONLINE } from '../../../shared/mqtt/topics.js';
import { repoRoot } from '../../helpers/repo.js';

const root = repoRoot();
const docsDir = join(root, 'docs');
const markdownFiles = [join(root, 'README.md'), ...readdirSync(docsDir).filter((name) => name.endsWith('.md')).map((name) => join(docsDir, name))];

/** The text outside fenced code blocks and inline code: a link shown as code is not a link. */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats suffixed -1, -2... */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = match[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of withoutCode.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

interface Link {
  file: string;
  target: string;
}

function relativeLinks(file: string): Link[] {
  const links: Link[] = [];
  const prose = proseOf(readFileSync(file, 'utf8'));
  // [text](target "title") and reference definitions [id]: target
  const targets = [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    links.push({ file, target });
  }
  return links;
}

t.test('every relative link in README.md and docs/*.md points at an existing file and heading', async (t) => {
  const links = markdownFiles.flatMap(relativeLinks);
  t.ok(links.length > 20, `${links.length} relative links checked`);
  for (const { file, target } of links) {
    const where = `${relative(root, file)} -> ${target}`;
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(resolved)) {
      t.fail(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) continue; // line anchors (#L10) of code files are GitHub's
    t.ok(anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor)), `${where}: heading #${anchor} exists`);
  }
});

t.test('docs/protocol.md names every topic, channel and fixed payload the code defines', async (t) => {
  const protocol = readFileSync(join(docsDir, 'protocol.md'), 'utf8');
  for (const channel of [...DOWNWARD_CHANNELS, ...UPWARD_CHANNELS]) {
    t.ok(protocol.includes(`${TOPIC_PREFIX}/nodes/{node}/${channel}`), `topic ${TOPIC_PREFIX}/nodes/{node}/${channel}`);
  }
  for (const topic of FLEET_TOPICS) t.ok(protocol.includes(topic), `fleet topic ${topic}`);
  t.ok(protocol.includes(agentClientId('{node}')), 'the client id');
  for (const payload of [PRESENCE_ONLINE, PRESENCE_OFFLINE]) t.ok(protocol.includes(`\`${payload}\``), `presence payload ${payload}`);
});

t.test('the anchor rules follow GitHub', async (t) => {
  const anchors = anchorsOf('# Data dir, backup & restore\n## TLS: the hub’s CA\n## Tokens\n## Tokens\n```\n# not a heading\n```\n<a name="custom"></a>\n');
  t.same([...anchors].sort(), ['custom', 'data-dir-backup--restore', 'tls-the-hubs-ca', 'tokens', 'tokens-1']);
  t.same(
    relativeLinks(join(docsDir, 'protocol.md')).filter((link) => /^https?:/.test(link.target)),
    [],
    'absolute URLs are not checked here',
  );
});
