/** `skiff cluster-info`: is the hub there, and where. */
import type { CliContext } from '../context.js';

export async function runClusterInfo(ctx: CliContext): Promise<void> {
  const client = await ctx.connect();
  await client.get('/version');
  ctx.io.stdout(`Skiff hub is running at ${client.server}\n`);
}
