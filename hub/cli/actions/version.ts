/** `skiff version [--client]`: this CLI's version and the hub's (Kubernetes' version.Info). */
import { SKIFF_VERSION } from '../../../shared/defaults.js';
import type { CliContext } from '../context.js';

export interface VersionOptions {
  client?: boolean;
}

interface VersionInfo {
  gitVersion?: string;
}

export async function runVersion(options: VersionOptions, ctx: CliContext): Promise<void> {
  ctx.io.stdout(`Client Version: ${SKIFF_VERSION}\n`);
  if (options.client) return;
  // The client line is already out; a failure here is reported (exit 1) like kubectl does.
  const client = await ctx.connect();
  const info = await client.get<VersionInfo>('/version');
  ctx.io.stdout(`Server Version: ${info.gitVersion ?? 'unknown'}\n`);
}
