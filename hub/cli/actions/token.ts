/**
 * `skiff token create|list|delete`, as `kubeadm token`: bootstrap join tokens with a TTL, listed
 * by id and revoked by deleting them (the API is hub/api/tokens.ts). The secret is shown once,
 * by create, and never again; list shows ids only.
 */
import { IDENTITY_DEFAULTS } from '../../../shared/defaults.js';
import { parseDurationMs } from '../../../shared/duration.js';
import { SkiffError } from '../../../shared/errors.js';
import { BOOTSTRAP_TOKEN } from '../../../shared/join-token.js';
import { TOKENS_PATH, type BootstrapTokenInfo, type CreatedToken } from '../../../shared/join.js';
import { humanDuration } from '../../printers/human-duration.js';
import type { CliContext } from '../context.js';
import { alignColumns } from '../render-table.js';
import { formatJson, formatYaml } from '../output-format.js';

export interface TokenCreateFlags {
  ttl?: string;
  description?: string;
  printJoinCommand?: boolean;
}

/** kubeadm's TTL column: "<forever>" without expiry, "<invalid>" once expired. */
export function tokenTtl(token: BootstrapTokenInfo, now: number): string {
  if (token.expiresAt === undefined) return '<forever>';
  const left = Date.parse(token.expiresAt) - now;
  return left <= 0 ? '<invalid>' : humanDuration(left);
}

export function tokenRows(tokens: BootstrapTokenInfo[], now: number): string[] {
  const grid = [['TOKEN-ID', 'TTL', 'EXPIRES', 'USES', 'DESCRIPTION']];
  for (const token of tokens) {
    grid.push([token.id, tokenTtl(token, now), token.expiresAt ?? '<never>', String(token.usageCount), token.description === '' ? '<none>' : token.description]);
  }
  return alignColumns(grid);
}

export async function runTokenCreate(flags: TokenCreateFlags, ctx: CliContext): Promise<void> {
  const ttlMs = flags.ttl === undefined ? IDENTITY_DEFAULTS.bootstrapTokenTtlMs : parseDurationMs(flags.ttl, '--ttl');
  const client = await ctx.connect();
  const created = await client.request<CreatedToken>('POST', TOKENS_PATH, {
    body: { ttlMs, ...(flags.description !== undefined ? { description: flags.description } : {}) },
  });
  if (flags.printJoinCommand) {
    ctx.io.stdout(`skiff agent --server ${client.server} --token ${created.token} --node-name NAME --data-dir DIR\n`);
  } else {
    ctx.io.stdout(`${created.token}\n`);
  }
}

export async function runTokenList(flags: { output?: string }, ctx: CliContext, now: () => number = Date.now): Promise<void> {
  const client = await ctx.connect();
  const { items } = await client.request<{ items: BootstrapTokenInfo[] }>('GET', TOKENS_PATH);
  if (flags.output === 'json') return ctx.io.stdout(formatJson({ items }));
  if (flags.output === 'yaml') return ctx.io.stdout(formatYaml({ items }));
  if (flags.output !== undefined) throw new SkiffError('SKIFF_ERR_CONFIG', `unable to match a printer suitable for the output format "${flags.output}", allowed formats are: json,yaml`);
  if (items.length === 0) {
    ctx.io.stderr('No resources found.\n');
    return;
  }
  ctx.io.stdout(`${tokenRows(items, now()).join('\n')}\n`);
}

/** Accepts a token id, or a full `<id>.<secret>` / K10 token (kubeadm accepts both), and deletes by id. */
export function tokenIdOf(arg: string): string {
  const credential = arg.includes('::') ? arg.slice(arg.indexOf('::') + 2) : arg;
  const full = BOOTSTRAP_TOKEN.exec(credential);
  if (full) return full[1]!;
  if (/^[a-z0-9]{6}$/.test(credential)) return credential;
  throw new SkiffError('SKIFF_ERR_CONFIG', `given token didn't match pattern "[a-z0-9]{6}" or "[a-z0-9]{6}\\.[a-z0-9]{16}"`);
}

export async function runTokenDelete(args: string[], ctx: CliContext): Promise<void> {
  if (args.length === 0) throw new SkiffError('SKIFF_ERR_CONFIG', 'missing subcommand; "token delete" is missing token of form "[a-z0-9]{6}"');
  const client = await ctx.connect();
  for (const arg of args) {
    try {
      const id = tokenIdOf(arg);
      await client.request('DELETE', `${TOKENS_PATH}/${id}`);
      ctx.io.stdout(`bootstrap token "${id}" deleted\n`);
    } catch (err) {
      ctx.report(err); // one unknown token does not stop the others; the exit code remembers it
    }
  }
}
