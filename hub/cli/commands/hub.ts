/** Definition of `skiff hub`; the work is in actions/hub.ts (flags, env and defaults meet there). */
import type { Command } from 'commander';
import type { BackupFlags, HubFlags, HubTlsFlags, MigrateStoreFlags, RestoreFlags, RotateKeyFlags } from '../actions/hub.js';
import type { CliContext } from '../context.js';
import type { MosquittoConfigFlags } from '../actions/mosquitto-config.js';
import { HUB_ENV } from '../hub-env.js';
import { DEFAULTS, HUB_FILES, IDENTITY_DEFAULTS } from '../../../shared/defaults.js';

// Imported when the command runs: building the command tree (any command, --help) loads no action code.
const loadHubActions = () => import('../actions/hub.js');

export function defineHub(program: Command, ctx: CliContext): Command {
  const hub = program
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
    .option(
      '--node-credential-ttl <duration>',
      `lifetime of a node's credentials (agents renew them at about 2/3 of it), default ${IDENTITY_DEFAULTS.nodeCredentialTtlMs / 3_600_000}h ($${HUB_ENV.nodeCredentialTtl})`,
    )
    .option('--plain-http', 'serve the API over plain HTTP instead of HTTPS (no TLS: for trusted networks only)')
    .option('--plain-mqtt', 'plain MQTT instead of MQTTS on the MQTT port (no TLS: for trusted networks only)')
    .option(
      '--tls-san <name>',
      'extra DNS name or IP for the serving certificate (repeatable); localhost, this hostname, loopbacks and --host are always in',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--encryption-key-file <file>', `keys that encrypt Secrets at rest, created on first start, default DATA/${HUB_FILES.encryptionKey} ($${HUB_ENV.encryptionKeyFile})`)
    .option('--audit-log-path <file>', `where every write and denied request is logged as audit.k8s.io/v1 Events, - for stdout, default DATA/${HUB_FILES.auditLog} ($${HUB_ENV.auditLogPath})`)
    .option(
      '--datastore-endpoint <url>',
      `where objects are stored: postgres://user:password@host:5432/database (several hubs may share it), or sqlite:/path/hub.db; default sqlite:DATA/${HUB_FILES.database} ($${HUB_ENV.datastoreEndpoint})`,
    )
    .option('--mqtt-url <url>', `an external MQTT broker (mqtts://broker.lan:8883) instead of the embedded one; agents are sent there ($${HUB_ENV.mqttUrl})`)
    .option('--mqtt-username <name>', `the hub's user on that broker, default ${DEFAULTS.broker.hubMqttUsername} ($${HUB_ENV.mqttUsername})`)
    .option('--mqtt-password-file <file>', `a file holding that user's password ($${HUB_ENV.mqttPasswordFile})`)
    .option('--mqtt-ca-file <file>', `the CA of the broker's certificate (PEM), default the hub's own CA ($${HUB_ENV.mqttCaFile})`)
    .option(
      '--leader-elect-lease-duration <duration>',
      `hubs on one PostgreSQL: how long the leader's lease lasts, default ${DEFAULTS.leaderElection.leaseDurationMs / 1000}s ($${HUB_ENV.leaderElectLeaseDuration})`,
    )
    .option(
      '--leader-elect-retry-period <duration>',
      `how often the leader renews its lease and the others try to take it, default ${DEFAULTS.leaderElection.retryPeriodMs / 1000}s ($${HUB_ENV.leaderElectRetryPeriod})`,
    )
    .addHelpText('after', '\nExamples:\n  skiff hub --data-dir /var/lib/skiff/hub\n  skiff hub --data-dir /var/lib/skiff/hub --datastore-endpoint postgres://skiff:PASSWORD@db.lan:5432/skiff\n  skiff hub --data-dir /var/lib/skiff/hub --datastore-endpoint postgres://skiff:PASSWORD@db.lan:5432/skiff --mqtt-url mqtts://broker.lan:8883 --mqtt-password-file /etc/skiff/mqtt-password\n  skiff hub --api-port 7443 --tls-san hub.local --tls-san 192.168.1.10\n  skiff hub --plain-http --plain-mqtt --host 127.0.0.1\n')
    .action(async (flags: HubFlags & HubTlsFlags) => (await loadHubActions()).runHubCommand(flags, ctx));
  hub
    .command('rotate-encryption-key')
    .description('Add a new Secret encryption key, re-encrypt every Secret with it (hub stopped or running), print how many')
    .option('--data-dir <dir>', `the hub's data dir ($${HUB_ENV.dataDir})`)
    .option('--encryption-key-file <file>', `the hub's key file, default DATA/${HUB_FILES.encryptionKey} ($${HUB_ENV.encryptionKeyFile})`)
    .option('--prune', 'then remove from the key file every older key no Secret is encrypted with any more')
    .addHelpText('after', '\nExamples:\n  skiff hub rotate-encryption-key --data-dir /var/lib/skiff/hub\n  skiff hub rotate-encryption-key --data-dir /var/lib/skiff/hub --prune\n')
    // `hub` parses its own options wherever they appear, --data-dir included: read both levels.
    .action(async (_flags: RotateKeyFlags, command: Command) => (await loadHubActions()).runRotateEncryptionKey(command.optsWithGlobals<RotateKeyFlags>(), ctx));
  hub
    .command('backup')
    .argument('<file>', 'the backup file to write (replaced atomically if it exists)')
    .description('Write a consistent backup of the hub (database, CA, tokens, encryption key) to FILE, mode 0600; the hub may keep running')
    .option('--data-dir <dir>', `the hub's data dir ($${HUB_ENV.dataDir})`)
    .option('--encryption-key-file <file>', `the hub's key file, default DATA/${HUB_FILES.encryptionKey} ($${HUB_ENV.encryptionKeyFile})`)
    .addHelpText('after', '\nExamples:\n  skiff hub backup /var/backups/skiff-hub-$(date +%F).backup --data-dir /var/lib/skiff/hub\n')
    .action(async (file: string, _flags: BackupFlags, command: Command) => (await loadHubActions()).runHubBackup(file, command.optsWithGlobals<BackupFlags>(), ctx));
  hub
    .command('restore')
    .argument('<file>', 'a file `skiff hub backup` wrote')
    .description('Rebuild a stopped hub\'s data dir from a backup, verified first; the old data dir is kept aside (--force) or left untouched on failure')
    .option('--data-dir <dir>', `the data dir to restore into ($${HUB_ENV.dataDir})`)
    .option('--force', 'replace a data dir that already holds files (moved to DATA.pre-restore-TIMESTAMP)')
    .addHelpText('after', '\nExamples:\n  skiff hub restore /var/backups/skiff-hub-2026-01-31.backup --data-dir /var/lib/skiff/hub --force\n')
    .action(async (file: string, _flags: RestoreFlags, command: Command) => (await loadHubActions()).runHubRestore(file, command.optsWithGlobals<RestoreFlags>(), ctx));
  hub
    .command('mosquitto-config')
    .description("Write a Mosquitto 2.0 configuration for an external broker: TLS with a certificate from the hub's CA, the dynamic security plugin holding the hub's user, and that user's password file")
    .option('--out <dir>', 'an empty directory to write mosquitto.conf, dynamic-security.json, the certificate and hub-mqtt-password into')
    .option('--data-dir <dir>', `the hub's data dir, whose CA issues the broker's certificate ($${HUB_ENV.dataDir})`)
    .option('--port <port>', 'the broker\'s MQTTS port, default 8883')
    .option('--san <name>', 'a DNS name or IP agents reach the broker by (repeatable); default localhost, this hostname and 127.0.0.1', (value: string, previous: string[] = []) => [
      ...previous,
      value,
    ])
    .option('--mqtt-username <name>', `the hub's user on the broker, default ${DEFAULTS.broker.hubMqttUsername}`)
    .addHelpText('after', '\nExamples:\n  skiff hub mosquitto-config --data-dir /var/lib/skiff/hub --out /etc/mosquitto/skiff --san broker.lan\n')
    .action(async (_flags: MosquittoConfigFlags, command: Command) =>
      (await import('../actions/mosquitto-config.js')).runMosquittoConfig(command.optsWithGlobals<MosquittoConfigFlags>(), ctx),
    );
  hub
    .command('migrate-store')
    .description("Copy a stopped hub's whole state (objects, revisions, credentials, tokens) into an empty datastore, e.g. from SQLite to PostgreSQL")
    .option('--from <endpoint>', 'the datastore the hub used: sqlite:/path/hub.db or postgres://user:password@host:5432/database')
    .option('--to <endpoint>', 'an empty datastore to fill, in the same forms')
    .addHelpText(
      'after',
      '\nExamples:\n  skiff hub migrate-store --from sqlite:/var/lib/skiff/hub/hub.db --to postgres://skiff:PASSWORD@db.lan:5432/skiff\n' +
        '  skiff hub migrate-store --from postgres://skiff:PASSWORD@db.lan:5432/skiff --to sqlite:/var/lib/skiff/hub/hub.db\n',
    )
    .action(async (_flags: MigrateStoreFlags, command: Command) => (await loadHubActions()).runMigrateStore(command.optsWithGlobals<MigrateStoreFlags>(), ctx));
  return hub;
}
