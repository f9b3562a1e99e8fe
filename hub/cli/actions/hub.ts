/**
 * `skiff hub`: runs the control plane in this process until SIGINT or SIGTERM. Options go
 * through one parse path, defaults < environment < flags (style.md lesson 8), and every bad
 * value is reported at once, naming the flag or variable it came from.
 */
import { DEFAULTS } from '../../../shared/defaults.js';
import { SkiffError } from '../../../shared/errors.js';
import type { HubHandle, HubOptions } from '../../server/run.js';
import type { CliContext } from '../context.js';
import { parseDurationMs } from '../../../shared/duration.js';

export interface HubFlags {
  dataDir?: string;
  apiPort?: string;
  mqttPort?: string;
  host?: string;
  nodeMonitorGracePeriod?: string;
  horizontalPodAutoscalerSyncPeriod?: string;
  horizontalPodAutoscalerDownscaleStabilization?: string;
}

/** Environment variables that may stand in for each flag (a systemd unit or container sets these). */
export const HUB_ENV = {
  dataDir: 'SKIFF_DATA_DIR',
  apiPort: 'SKIFF_API_PORT',
  mqttPort: 'SKIFF_MQTT_PORT',
  host: 'SKIFF_HOST',
  nodeMonitorGracePeriod: 'SKIFF_NODE_MONITOR_GRACE_PERIOD',
  horizontalPodAutoscalerSyncPeriod: 'SKIFF_HORIZONTAL_POD_AUTOSCALER_SYNC_PERIOD',
  horizontalPodAutoscalerDownscaleStabilization: 'SKIFF_HORIZONTAL_POD_AUTOSCALER_DOWNSCALE_STABILIZATION',
} as const;

const FLAG_NAMES = {
  dataDir: '--data-dir',
  apiPort: '--api-port',
  mqttPort: '--mqtt-port',
  host: '--host',
  nodeMonitorGracePeriod: '--node-monitor-grace-period',
  horizontalPodAutoscalerSyncPeriod: '--horizontal-pod-autoscaler-sync-period',
  horizontalPodAutoscalerDownscaleStabilization: '--horizontal-pod-autoscaler-downscale-stabilization',
} as const;

export function resolveHubOptions(flags: HubFlags, env: Readonly<Record<string, string | undefined>>): HubOptions {
  const problems: string[] = [];
  const pick = (key: keyof HubFlags): { value: string; from: string } | undefined => {
    const flag = flags[key];
    if (flag !== undefined) return { value: flag, from: FLAG_NAMES[key] };
    const fromEnv = env[HUB_ENV[key]];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: `$${HUB_ENV[key]}` };
    return undefined;
  };
  const port = (key: 'apiPort' | 'mqttPort', fallback: number): number => {
    const given = pick(key);
    if (!given) return fallback;
    const n = Number(given.value);
    if (!/^\d+$/.test(given.value.trim()) || !Number.isInteger(n) || n < 1 || n > 65535) {
      problems.push(`invalid value "${given.value}" for ${given.from}: must be an integer port between 1 and 65535`);
    }
    return n;
  };

  const dataDir = pick('dataDir');
  if (!dataDir || dataDir.value.trim() === '') problems.push(`${FLAG_NAMES.dataDir} is required (or set $${HUB_ENV.dataDir})`);
  const apiPort = port('apiPort', DEFAULTS.apiPort);
  const mqttPort = port('mqttPort', DEFAULTS.mqttPort);
  const host = pick('host');
  if (host && host.value.trim() === '') problems.push(`invalid value "" for ${host.from}: an address to listen on is required`);
  const grace = pick('nodeMonitorGracePeriod');
  let nodeMonitorGracePeriodMs: number | undefined;
  if (grace) {
    try {
      nodeMonitorGracePeriodMs = parseDurationMs(grace.value, grace.from);
      if (nodeMonitorGracePeriodMs <= 0) problems.push(`invalid value "${grace.value}" for ${grace.from}: must be longer than 0`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  // kube-controller-manager's HPA flags: the sync period must be positive, a zero window means none.
  const hpaDuration = (key: 'horizontalPodAutoscalerSyncPeriod' | 'horizontalPodAutoscalerDownscaleStabilization', allowZero: boolean): number | undefined => {
    const given = pick(key);
    if (!given) return undefined;
    try {
      const ms = parseDurationMs(given.value, given.from);
      if (ms < 0 || (!allowZero && ms === 0)) problems.push(`invalid value "${given.value}" for ${given.from}: must be longer than 0`);
      return ms;
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
  const hpaSyncPeriodMs = hpaDuration('horizontalPodAutoscalerSyncPeriod', false);
  const hpaDownscaleStabilizationMs = hpaDuration('horizontalPodAutoscalerDownscaleStabilization', true);
  if (problems.length === 0 && apiPort === mqttPort) problems.push(`${FLAG_NAMES.apiPort} and ${FLAG_NAMES.mqttPort} must differ (both are ${apiPort})`);
  if (problems.length > 0) throw new SkiffError('SKIFF_ERR_CONFIG', problems.join('\n'));
  return Object.freeze({
    dataDir: dataDir!.value,
    apiPort,
    mqttPort,
    host: host?.value ?? '0.0.0.0',
    ...(nodeMonitorGracePeriodMs !== undefined ? { nodeMonitorGracePeriodMs } : {}),
    ...(hpaSyncPeriodMs !== undefined ? { hpaSyncPeriodMs } : {}),
    ...(hpaDownscaleStabilizationMs !== undefined ? { hpaDownscaleStabilizationMs } : {}),
  });
}

export type StartHub = (options: HubOptions) => Promise<HubHandle>;

/** Loaded only when needed: `skiff get` must not pay for the hub's store, broker and controllers. */
const startRealHub: StartHub = async (options) => (await import('../../server/run.js')).runHub(options);

export async function runHubCommand(flags: HubFlags, ctx: CliContext, start: StartHub = startRealHub): Promise<void> {
  const options = resolveHubOptions(flags, ctx.io.env);
  const handle = await start(options);
  await ctx.io.waitForSignal();
  await handle.close();
  ctx.io.exit(0);
}
