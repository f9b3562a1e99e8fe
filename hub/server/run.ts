/**
 * `skiff hub`: the whole control plane in one process — store, API, embedded MQTT broker,
 * controllers, scheduler, dispatcher and ingest — wired together here and nowhere else.
 */
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { IDENTITY_DEFAULTS } from '../../shared/defaults.js';
import { CredentialSweeper } from '../identity/credential-sweep.js';
import { DEFAULTS, HUB_FILES } from '../../shared/defaults.js';
import { resolveResource } from '../../shared/api/resources.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { createApiServer } from '../api/server.js';
import { openAuditLog } from '../auth/audit-log.js';
import { createUnlessExists, ensureBootstrapPolicy } from '../auth/bootstrap-policy.js';
import { applyDefaults } from '../api/defaults.js';
import { openHubBroker, type ExternalBrokerSettings } from './hub-broker.js';
import { electLeader } from '../store/open-store.js';
import { SoleLeader } from '../leader/leadership.js';
import type { LeaseTiming } from '../leader/postgres-lease.js';
import type { Controller } from '../controllers/controller.js';
import { DaemonSetController } from '../controllers/daemonset-controller.js';
import { DeploymentController } from '../controllers/deployment-controller.js';
import { GarbageCollector } from '../controllers/garbage-collector.js';
import { NamespaceController } from '../controllers/namespace-controller.js';
import { NodeLifecycle } from '../controllers/node-lifecycle.js';
import { NodeRemoval } from '../controllers/node-removal.js';
import { TaintEviction } from '../controllers/taint-eviction.js';
import { ReplicaSetController } from '../controllers/replicaset-controller.js';
import { ServiceAccountController } from '../controllers/serviceaccount-controller.js';
import { ClusterRoleAggregationController } from '../controllers/clusterrole-aggregation-controller.js';
import { Dispatcher } from '../dispatch/dispatcher.js';
import { ServicesPublisher } from '../dispatch/services-publisher.js';
import { relayTokenOf } from '../identity/relay-token.js';
import { NodeStreams } from '../ingest/node-streams.js';
import { StoreEventRecorder } from '../events/event-recorder.js';
import { EventSweeper } from '../events/event-sweeper.js';
import { loadOrCreateIdentity, writeAdminConfig } from '../identity/bootstrap.js';
import { loadOrCreateTls } from '../identity/tls.js';
import { EventIngest } from '../ingest/event-ingest.js';
import { StatusIngest } from '../ingest/status-ingest.js';
import { NodeLeases, askForStatusReport } from '../ingest/node-leases.js';
import { printTable } from '../printers/registry.js';
import { SchedulerController } from '../scheduler/scheduler-controller.js';
import { openStore } from '../store/open-store.js';
import { describeDatastore, type Datastore } from '../store/datastore-endpoint.js';
import { serviceAdmission } from '../objects/service-allocation.js';
import { IngressStatusController } from '../controllers/ingress-status-controller.js';
import { EndpointsController } from '../controllers/endpoints-controller.js';
import { SecretEncryption } from '../store/secret-encryption.js';
import { MetricsDb } from '../metrics/metrics-db.js';
import { startMetricsIngest } from '../metrics/metrics-ingest.js';
import { MetricsService } from '../metrics/metrics-service.js';
import { createHubMetrics } from '../metrics/prometheus.js';
import { HorizontalPodAutoscalerController } from '../controllers/hpa-controller.js';
import type { Store } from '../store/store.js';

export interface HubOptions {
  dataDir: string;
  apiPort: number;
  mqttPort: number;
  /** Address to listen on (API and MQTT). */
  host: string;
  logger?: Logger;
  /** Keys that encrypt Secrets at rest; default DATA/encryption.key, created on first start. */
  encryptionKeyFile?: string;
  /** Heartbeat age after which a node is marked Ready=Unknown. */
  nodeMonitorGracePeriodMs?: number;
  /** Events not seen for this long are deleted (default DEFAULTS.events.ttlMs, Kubernetes' --event-ttl). */
  eventTtlMs?: number;
  /** At most this many Events are kept; the least recently seen go first (default DEFAULTS.events.maxCount). */
  maxEvents?: number;
  /** --horizontal-pod-autoscaler-sync-period (default DEFAULTS.autoscaling.syncPeriodMs). */
  hpaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default DEFAULTS.autoscaling.downscaleStabilizationMs). */
  hpaDownscaleStabilizationMs?: number;
  /** kube-apiserver's --audit-log-path: a file, or '-' for stdout (default DATA/audit.log). */
  auditLogPath?: string;
  /** --plain-http: the API without TLS (HTTPS is the default). */
  plainHttp?: boolean;
  /** --plain-mqtt: the broker without TLS (MQTTS is the default). */
  plainMqtt?: boolean;
  /** --tls-san: extra names for the serving certificate (hub/identity/tls.ts adds the usual ones). */
  tlsSans?: string[];
  /** --datastore-endpoint: where objects are stored (default: SQLite, DATA/hub.db). */
  datastore?: Datastore;
  /** --mqtt-url and its credentials: an external broker instead of the embedded one (issue #11). */
  externalBroker?: ExternalBrokerSettings;
  /** Leader election timing among hubs on one PostgreSQL (default DEFAULTS.leaderElection). */
  leaderElection?: LeaseTiming;
  /** What to do when this hub loses the leadership it had (default: exit the process with status 1). */
  onLeadershipLost?: (reason: string) => void;
  /** --node-credential-ttl: lifetime of the credentials a node gets by joining or renewing (default IDENTITY_DEFAULTS.nodeCredentialTtlMs). */
  nodeCredentialTtlMs?: number;
}

export interface HubHandle {
  apiUrl: string;
  mqttPort: number;
  close(): Promise<void>;
}

const namespaces = resolveResource('namespaces')!;

/** Namespaces every cluster has, as in Kubernetes. */
async function ensureBuiltinNamespaces(store: Store): Promise<void> {
  for (const name of ['default', 'kube-system']) {
    if (!(await store.get(namespaces, undefined, name))) {
      await createUnlessExists(store, namespaces, applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    }
  }
}

function clientHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

export async function runHub(options: HubOptions): Promise<HubHandle> {
  const logger = options.logger ?? createLogger('hub');
  // The CA and serving certificate (DATA/tls); a hub with every port plain has no use for them.
  const tls = options.plainHttp && options.plainMqtt ? undefined : loadOrCreateTls(options.dataDir, { host: options.host, extraSans: options.tlsSans ?? [] });
  if (tls?.issued) logger.info({ caHash: tls.caHash }, 'issued the serving certificate');
  const identity = loadOrCreateIdentity(options.dataDir, tls?.caHash);
  const datastore = options.datastore ?? { kind: 'sqlite', file: join(options.dataDir, HUB_FILES.database) };
  // Set once the controllers exist: a PostgreSQL hub that fell behind the change log's compaction re-reads everything.
  let onFeedGap = (): void => undefined;
  const store = await openStore(datastore, {
    secretEncryption: new SecretEncryption(options.encryptionKeyFile ?? join(options.dataDir, HUB_FILES.encryptionKey)),
    // Service clusterIPs and nodePorts are chosen inside the write that stores the Service.
    admission: serviceAdmission(),
    logger,
    feed: { onGap: () => onFeedGap() },
  });
  logger.info({ datastore: describeDatastore(datastore) }, 'opened the datastore');
  if (datastore.kind === 'postgres' && !options.externalBroker) {
    // Each hub's embedded broker reaches only the agents connected to it, and only the leader dispatches.
    logger.warn('PostgreSQL without --mqtt-url: run one hub on this database, or give every hub the same external broker (docs/scale-out.md)');
  }
  await ensureBuiltinNamespaces(store);
  const bootstrapped = await ensureBootstrapPolicy(store);
  if (bootstrapped.length > 0) logger.info({ created: bootstrapped }, 'created built-in RBAC roles and bindings');
  const audit = openAuditLog(options.auditLogPath ?? join(options.dataDir, HUB_FILES.auditLog), (err) => logger.error({ err }, 'audit log write failed'));

  const eventTtlMs = options.eventTtlMs ?? DEFAULTS.events.ttlMs;
  const recorder = new StoreEventRecorder(store, logger, { maxAgeMs: eventTtlMs });
  await recorder.start();

  // Who runs the controllers: this hub alone on SQLite; one elected hub on a shared PostgreSQL,
  // whose writes from here on are fenced by its lease (hub/leader/).
  const { leadership, leaderStore } = electLeader(store, logger.child({ component: 'leader-election' }), options.leaderElection);
  const sweeper = new EventSweeper(leaderStore, logger, {
    ttlMs: eventTtlMs,
    maxCount: options.maxEvents ?? DEFAULTS.events.maxCount,
    // A short TTL is swept as often as a quarter of it, so no Event outlives it by much.
    intervalMs: Math.max(100, Math.min(DEFAULTS.events.sweepIntervalMs, eventTtlMs / 4)),
  });

  const broker = await openHubBroker({
    store,
    logger,
    dataDir: options.dataDir,
    host: options.host,
    port: options.mqttPort,
    ...(tls && !options.plainMqtt ? { tls: { cert: tls.certPem, key: tls.keyPem, caPem: tls.caPem } } : {}),
    ...(options.externalBroker ? { external: { ...options.externalBroker, ...(tls && !options.externalBroker.caPem ? { caPem: tls.caPem } : {}) } } : {}),
  });
  const bus = broker.bus;
  const usage = new MetricsService({
    db: new MetricsDb(join(options.dataDir, HUB_FILES.metricsDatabase), DEFAULTS.metrics.tiers),
    maxUsageAgeMs: DEFAULTS.metrics.maxUsageAgeMs,
    downsampleIntervalMs: DEFAULTS.metrics.downsampleIntervalMs,
    now: Date.now,
    log: logger.child({ component: 'metrics' }),
  });
  usage.start();
  // Every hub keeps every node's usage (its own metrics.db), so each answers `skiff top` alike.
  await startMetricsIngest(bus, usage, logger.child({ component: 'metrics-ingest' }));
  const leases = new NodeLeases();
  await leases.start(bus);
  const lifecycle = new NodeLifecycle(leaderStore, logger, options.nodeMonitorGracePeriodMs ?? DEFAULTS.nodeMonitorGracePeriodMs, recorder, {
    leases,
    askForReport: (node) => {
      askForStatusReport(bus, node).catch((err: unknown) => logger.warn({ component: 'node-lifecycle', node, err }, 'could not ask the node for its status'));
    },
  });
  const controllers: Controller[] = [
    new DeploymentController(leaderStore, logger, recorder),
    new ReplicaSetController(leaderStore, logger, recorder),
    new DaemonSetController(leaderStore, logger, recorder),
    new SchedulerController(leaderStore, logger, recorder),
    new GarbageCollector(leaderStore, logger),
    new NamespaceController(leaderStore, logger),
    new ServiceAccountController(leaderStore, logger),
    new EndpointsController(leaderStore, logger),
    new IngressStatusController(leaderStore, logger),
    new ClusterRoleAggregationController(leaderStore, logger),
    new TaintEviction(leaderStore, logger, recorder),
    new HorizontalPodAutoscalerController(leaderStore, logger, recorder, usage, {
      ...(options.hpaSyncPeriodMs !== undefined ? { syncPeriodMs: options.hpaSyncPeriodMs } : {}),
      ...(options.hpaDownscaleStabilizationMs !== undefined ? { downscaleStabilizationMs: options.hpaDownscaleStabilizationMs } : {}),
    }),
    new Dispatcher(leaderStore, bus, logger),
    new ServicesPublisher(leaderStore, bus, logger, relayTokenOf(identity.joinCredential)),
  ];
  const removal = new NodeRemoval(leaderStore, {
    // A deleted Node's connections go; an external broker also forgets its account.
    disconnectNode: (node) => {
      broker.revokeNode(node).catch((err: unknown) => logger.error({ err, node }, 'could not remove the node from the broker'));
    },
  }, logger);
  // Revoked, expired or replaced node credentials lose their open broker connections within seconds.
  const credentialSweeper = new CredentialSweeper({
    store,
    connections: () => broker.nodeConnections(),
    intervalMs: IDENTITY_DEFAULTS.credentialSweepIntervalMs,
    log: logger.child({ component: 'credential-sweep' }),
  });
  // pods/{name}/log: requests to the Pod's node and its streamed answers (every hub: the answer comes to the one that asked).
  const nodeStreams = new NodeStreams(bus, (node) => broker.isConnected(node), logger.child({ component: 'node-streams' }));
  await nodeStreams.start();
  // Each status report is a full snapshot whose order matters: the leader alone writes them.
  const ingest = new StatusIngest(leaderStore, bus, logger, leases);
  // Events are folded into their Event objects in any order: every hub takes a share.
  const eventIngest = new EventIngest(store, bus, recorder, logger, usage.ledger, { shared: true });
  await eventIngest.start();

  const resyncAll = () => Promise.all(controllers.map((c) => c.resync()));
  let unsubscribe = (): void => undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  /** The leader's part: controllers, scheduler, dispatch, node lifecycle, status ingest and sweeps. */
  const startLeading = async (): Promise<void> => {
    unsubscribe = store.onChange((change) => {
      for (const controller of controllers) controller.onChange(change);
      lifecycle.onChange(change);
      removal.onChange(change);
    });
    sweeper.start();
    credentialSweeper.start();
    await ingest.start();
    lifecycle.start();
    // Status reports sent while no hub led went to the old leader, or nowhere: every node is
    // asked for a fresh one (a lone hub just started gets one from every reconnect anyway).
    if (!(leadership instanceof SoleLeader)) {
      for (const node of await store.list(resolveResource('nodes')!)) {
        askForStatusReport(bus, node.metadata.name!).catch((err: unknown) => logger.warn({ node: node.metadata.name, err }, 'could not ask the node for its status'));
      }
    }
    await resyncAll();
    onFeedGap = () => {
      resyncAll().catch((err: unknown) => logger.error({ err }, 'resync after a change log gap failed'));
    };
    resyncTimer = setInterval(() => {
      resyncAll().catch((err: unknown) => logger.error({ err }, 'resync failed'));
    }, DEFAULTS.controllerResyncIntervalMs);
    resyncTimer.unref();
  };
  let leading: Promise<void> | undefined;
  leadership.start({
    onStartedLeading: () => {
      leading = startLeading().catch((err: unknown) => {
        logger.error({ err }, 'could not start leading');
        throw err;
      });
    },
    onStoppedLeading: (reason) => {
      // As kube-controller-manager: never go on with controllers whose view may be stale; a
      // supervisor (systemd) starts this hub again, as a follower.
      logger.fatal({ reason }, 'lost the leadership: exiting');
      (options.onLeadershipLost ?? (() => process.exit(1)))(reason);
    },
  });
  // A hub that is alone (SQLite) leads at once: it has started when runHub returns.
  if (leading) await leading;

  const prometheus = createHubMetrics({ store, source: usage, broker: bus });
  const api = createApiServer({
    store,
    logger,
    adminToken: identity.adminToken,
    joinToken: identity.joinCredential,
    mqttPort: broker.mqttPort,
    ...(broker.externalUrl ? { externalBroker: { mqttUrl: broker.externalUrl, grantNode: (node: string, password: string) => broker.grantNode(node, password) } } : {}),
    ...(tls && !options.plainHttp ? { tls: { cert: tls.certPem, key: tls.keyPem, caPem: tls.caPem } } : {}),
    printTable,
    usage,
    nodeStreams,
    metrics: () => prometheus.render(),
    audit,
    // A re-join replaces the node's credentials: a connection still open on the old ones goes now.
    disconnectNode: (node) => bus.disconnectNode(node),
    ...(options.nodeCredentialTtlMs !== undefined ? { nodeCredentialTtlMs: options.nodeCredentialTtlMs } : {}),
    // `skiff token create` prints K10 tokens pinning the hub's CA; a plain-HTTP hub has none.
    caHash: () => tls?.caHash,
  });
  await new Promise<void>((resolve, reject) => {
    api.once('error', reject);
    api.listen(options.apiPort, options.host, () => {
      api.off('error', reject);
      resolve();
    });
  });
  const apiPort = (api.address() as AddressInfo).port;
  const https = tls !== undefined && !options.plainHttp;
  const apiUrl = `${https ? 'https' : 'http'}://${clientHost(options.host)}:${apiPort}`;
  const adminConfig = writeAdminConfig(options.dataDir, apiUrl, identity.adminToken, https ? tls.caPem : undefined);
  const mqttUrl = broker.externalUrl ?? `${tls && !options.plainMqtt ? 'mqtts' : 'mqtt'}://${clientHost(options.host)}:${broker.mqttPort}`;

  logger.info({ api: apiUrl, mqtt: mqttUrl, dataDir: options.dataDir, adminConfig, ...(tls ? { caHash: tls.caHash } : {}) }, 'hub started');
  logger.info(
    { command: `skiff agent --server ${apiUrl} --token $(cat ${join(options.dataDir, HUB_FILES.joinToken)}) --node-name NAME --data-dir DIR` },
    'to join a node, run on it',
  );

  let closed = false;
  return {
    apiUrl,
    mqttPort: broker.mqttPort,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(resyncTimer);
      // A leader gives its lease up first: another hub takes over while this one closes.
      await leadership.stop();
      lifecycle.stop();
      api.closeAllConnections();
      await new Promise<void>((resolve) => api.close(() => resolve()));
      await Promise.all(controllers.map((c) => c.stop()));
      await ingest.stop();
      await eventIngest.stop();
      unsubscribe();
      await sweeper.stop();
      await credentialSweeper.stop();
      await recorder.flush();
      await broker.close();
      prometheus.close();
      await audit.close();
      usage.stop();
      await store.close();
      logger.info('hub stopped');
    },
  };
}
