/** Definition of `skiff hub`; the work is in actions/hub.ts (flags, env and defaults meet there). */
import type { Command } from 'commander';
import { HUB_ENV, runHubCommand, type HubFlags } from '../actions/hub.js';
import type { CliContext } from '../context.js';
import { DEFAULTS } from '../../../shared/defaults.js';

export function defineHub(program: Command, ctx: CliContext): Command {
  return program
    .command('hub')
    .description('Run the hub (API, MQTT broker, controllers) in this process until SIGINT or SIGTERM')
    .option('--data-dir <dir>', `where the hub keeps its database, CA and tokens ($${HUB_ENV.dataDir})`)
    .option('--api-port <port>', `HTTP API port, default ${DEFAULTS.apiPort} ($${HUB_ENV.apiPort})`)
    .option('--mqtt-port <port>', `MQTT port, default ${DEFAULTS.mqttPort} ($${HUB_ENV.mqttPort})`)
    .option('--host <addr>', `address to listen on, default 0.0.0.0 ($${HUB_ENV.host})`)
    .option(
      '--node-monitor-grace-period <duration>',
      `how long a node may go without a heartbeat before it is NotReady, default ${DEFAULTS.nodeMonitorGracePeriodMs / 1000}s ($${HUB_ENV.nodeMonitorGracePeriod})`,
    )
    .option(
      '--horizontal-pod-autoscaler-sync-period <duration>',
      `how often every HorizontalPodAutoscaler is re-evaluated, default ${DEFAULTS.autoscaling.syncPeriodMs / 1000}s ($${HUB_ENV.horizontalPodAutoscalerSyncPeriod})`,
    )
    .option(
      '--horizontal-pod-autoscaler-downscale-stabilization <duration>',
      `how far back an HPA looks for a higher recommendation before scaling down, default ${DEFAULTS.autoscaling.downscaleStabilizationMs / 60_000}m ($${HUB_ENV.horizontalPodAutoscalerDownscaleStabilization})`,
    )
    .action((flags: HubFlags) => runHubCommand(flags, ctx));
}
