/**
 * `skiff config kubeconfig`: the current client config (--config / $SKIFF_CONFIG / ~/.skiff/config,
 * --server, --token, --insecure-skip-tls-verify, read the one way client-config-loader.ts reads them)
 * as a kubeconfig, so that `KUBECONFIG=FILE kubectl ...` reaches the same hub with the same
 * credentials. Prints it and nothing else, for `> FILE`; the hub is not contacted.
 */
import { DEFAULT_KUBECONFIG_NAME } from '../../../shared/defaults.js';
import { buildKubeconfig, kubeconfigYaml } from '../../kubeconfig.js';
import { loadConnection, type ConnectionFlags } from '../client-config-loader.js';
import type { CliContext } from '../context.js';

export interface ConfigKubeconfigOptions extends ConnectionFlags {
  /** Name of the kubeconfig's cluster, user and context (default "skiff"). */
  name?: string;
}

export async function runConfigKubeconfig(options: ConfigKubeconfigOptions, ctx: CliContext): Promise<void> {
  const connection = await loadConnection(options, ctx.io.env, ctx.io.homedir);
  ctx.io.stdout(kubeconfigYaml(buildKubeconfig(connection, options.name ?? DEFAULT_KUBECONFIG_NAME)));
}
