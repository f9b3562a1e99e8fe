/**
 * Every default that more than one module needs, in one place, with units in the names.
 * Process-specific settings still go through that process's config schema; this file only
 * holds the values those schemas default to.
 */
/** The name of a kubeconfig's cluster, user and context when none is asked for. */
export const DEFAULT_KUBECONFIG_NAME = 'skiff';

export const DEFAULTS = {
  /** HTTP API port of the hub. 6443 is Kubernetes'; Skiff uses its own so both can coexist. */
  apiPort: 7443,
  /**
   * How long the API keeps an idle keep-alive connection (Node's default is 5 s). Longer than a
   * client's own idle timeout, so that a client never sends on a connection the hub is closing
   * (ECONNRESET): undici keeps one for the hub's advertised timeout less a second.
   */
  apiKeepAliveTimeoutMs: 65_000,
  /** MQTT port of the hub's embedded broker (1883 is MQTT's registered plain port). */
  mqttPort: 1883,
  /**
   * How often an agent renews its lease (an empty QoS 0 message on its `lease` topic) when it has
   * sent nothing else: the heartbeat. 36 bytes of MQTT, 110 on the wire with TLS and TCP/IP
   * headers, plus the hub's 52-byte ACK: every 6 s that is 147 bit/s up and 69 down (216 in all,
   * under KubeEdge's ~250), while the grace period below stays short.
   */
  heartbeatIntervalMs: 6_000,
  /**
   * An agent sends its full status (node and Pods) when it changes, on every (re)connect, and at
   * least this often even when nothing changed (kubelet's nodeStatusReportFrequency, 5 min): the
   * hub's copy can never stay wrong for longer, and the Ready condition's lastHeartbeatTime moves.
   */
  nodeStatusReportIntervalMs: 300_000,
  /**
   * At most one status report for image pull progress (issue #9) per this interval per agent: a
   * slow link carries it and the hub writes every status it gets.
   */
  pullProgressReportIntervalMs: 2_000,
  /** MQTT keepalive: the broker drops a silent client after 1.5x this (MQTT 3.1.1 §3.1.2.10). */
  mqttKeepaliveSeconds: 15,
  /**
   * A node the hub has heard nothing from (no lease, no report) for this long is marked
   * Ready=Unknown (Kubernetes waits 40 s). A 5 s blip of the link delays at most one lease by
   * 5 s, so a healthy node is never silent for more than 11 s: 3 s of margin for timers and
   * scheduling, and a hung node is NotReady at most 15 s after its last lease (with the 1 s check). A dropped link is usually seen sooner, through the MQTT last will (at once when
   * the TCP connection closes, 1.5 keepalives when it goes silent).
   */
  nodeMonitorGracePeriodMs: 14_000,
  /** How often the hub compares each Ready node's last lease with the grace period. */
  nodeMonitorPeriodMs: 1_000,
  /** The agent re-reads Docker at least this often even without events (safety net). */
  agentResyncIntervalMs: 5_000,
  /** Hub controllers re-sync every object this often (safety net behind change events). */
  controllerResyncIntervalMs: 30_000,
  /** Kubernetes' container restart backoff: first restart at once, then 10 s doubling to 5 min. */
  restartBackoffInitialMs: 10_000,
  restartBackoffMaxMs: 300_000,
  /** A container that ran this long resets its restart backoff (Kubernetes: 10 min). */
  restartBackoffResetMs: 600_000,
  /** Image pull retry backoff (Kubernetes' ImagePullBackOff uses the same 10 s .. 5 min curve). */
  pullBackoffInitialMs: 10_000,
  pullBackoffMaxMs: 300_000,
  /** Agent reconnect backoff: exponential with full jitter between these bounds. */
  reconnectMinMs: 1_000,
  reconnectMaxMs: 30_000,
  /** How long a Pod stays on a not-ready or unreachable node before eviction (DefaultTolerationSeconds admission). */
  defaultTolerationSeconds: 300,
  /** Pod terminationGracePeriodSeconds default (Kubernetes). */
  terminationGracePeriodSeconds: 30,
  /** Deployment revisionHistoryLimit default (Kubernetes). */
  revisionHistoryLimit: 10,
  /** Deployment progressDeadlineSeconds default (Kubernetes). */
  progressDeadlineSeconds: 600,
  namespace: 'default',
  /** What an agent's node offers and when it reports pressure: kubelet's defaults. */
  node: {
    /** kubelet's --max-pods. */
    maxPods: 110,
    /**
     * --pod-max-pids: processes (threads) per container. kubelet leaves it unlimited; a Pi has
     * pid_max 32768 and little memory, so one runaway Pod must not be able to take them all.
     */
    podMaxPids: 1024,
    /**
     * --pause-image: the pod sandbox image, kubelet's own (multi-arch: arm/v7, arm64, amd64). An
     * air-gapped device needs it preloaded (install/build-pause-image.sh builds an equivalent).
     */
    pauseImage: 'registry.k8s.io/pause:3.10',
    /**
     * kubelet's --eviction-hard defaults on Linux, less imagefs (Docker's filesystem, which the
     * agent does not watch). Setting the flag replaces them all, as kubelet's did.
     */
    evictionHard: 'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%',
    /** A pressure condition stays True this long after its signal last crossed the threshold. */
    evictionPressureTransitionPeriodMs: 300_000,
    /** How often the agent samples memory, disk and PIDs (kubelet's housekeeping interval). */
    evictionMonitoringIntervalMs: 10_000,
  },
  /** Usage metrics: how agents sample them and how long the hub keeps them (hub/metrics/). */
  metrics: {
    /** How often an agent samples node and container usage (--metrics-interval; kubelet's housekeeping, 10 s). */
    sampleIntervalMs: 10_000,
    /** The most samples in one MetricsReport. */
    maxSamplesPerReport: 30,
    /** A node's usage is shown (top, HPA) only while its newest sample is younger than this. */
    maxUsageAgeMs: 120_000,
    /**
     * Retention tiers: every sample for an hour, 1-minute averages for a day, 1-hour averages for
     * 30 days. Older points are deleted by the down-sampler, which runs every minute.
     */
    tiers: [
      { stepMs: 0, retentionMs: 3_600_000 },
      { stepMs: 60_000, retentionMs: 86_400_000 },
      { stepMs: 3_600_000, retentionMs: 30 * 86_400_000 },
    ],
    downsampleIntervalMs: 60_000,
  },
  /** The agent's outbox of events and metrics (agent/outbox/): what waits while the hub is unreachable. */
  agentOutbox: {
    /**
     * --outbox-max-bytes. 64 MiB is under 1% of an 8 GB SD card and holds about a day of metrics
     * at the default interval for a node with a few Pods, before down-sampling starts.
     */
    maxBytes: 64 * 1024 * 1024,
    /** Unacknowledged entries are written in one transaction this often (SD card wear). */
    flushIntervalMs: 2_000,
  },
  /**
   * HorizontalPodAutoscaler (autoscaling/v2): SetDefaults_HorizontalPodAutoscaler and
   * kube-controller-manager's --horizontal-pod-autoscaler-* flag defaults.
   */
  autoscaling: {
    minReplicas: 1,
    /** Metric of an HPA that names none: CPU at this percentage of request. */
    cpuUtilizationPercent: 80,
    /** --horizontal-pod-autoscaler-sync-period. */
    syncPeriodMs: 15_000,
    /** --horizontal-pod-autoscaler-downscale-stabilization (when behavior.scaleDown does not set its own window). */
    downscaleStabilizationMs: 300_000,
    /** --horizontal-pod-autoscaler-tolerance: usage ratios within 10% of 1 change nothing. */
    tolerance: 0.1,
    /** --horizontal-pod-autoscaler-cpu-initialization-period. */
    cpuInitializationPeriodMs: 300_000,
    /** --horizontal-pod-autoscaler-initial-readiness-delay. */
    initialReadinessDelayMs: 30_000,
    /** Behavior defaults (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules). */
    scaleUp: { stabilizationWindowSeconds: 0, podsValue: 4, percentValue: 100, periodSeconds: 15, selectPolicy: 'Max' },
    scaleDown: { percentValue: 100, periodSeconds: 15, selectPolicy: 'Max' },
  },
  /**
   * Leader election among hubs on one PostgreSQL (hub/leader/), with kube-controller-manager's
   * numbers scaled down for a small control plane: a lease lasts 10 s, its holder renews it
   * every 2 s and steps down when it could not for 2/3 of the lease (before another can take
   * it), and the others try every 2 s, so a dead leader is replaced within about 12 s.
   */
  leaderElection: {
    leaseDurationMs: 10_000,
    renewPeriodMs: 2_000,
    retryPeriodMs: 2_000,
  },
  /** Retention of core/v1 Events (hub/events/): they are a recent history, not a record. */
  events: {
    /** An Event is deleted this long after it was last seen (kube-apiserver's --event-ttl: 1h). */
    ttlMs: 3_600_000,
    /** At most this many Events are kept in all; the least recently seen go first. */
    maxCount: 1_000,
    /** How often expired and excess Events are deleted (or every ttlMs / 4, when that is shorter). */
    sweepIntervalMs: 60_000,
  },
  /** The hub's embedded MQTT broker (hub/broker/): what one client may cost it. */
  broker: {
    /** The MQTT user a hub logs in as on an external broker (--mqtt-username, issue #11): not a valid node name, so no node can join as it. */
    hubMqttUsername: 'skiff_hub',
    /** A client whose socket has not drained for this long is dropped, so it cannot stall delivery to the others. */
    drainTimeoutMs: 10_000,
    /**
     * Largest MQTT packet a client may send (its remaining length): a status of 110 Pods or a
     * replayed metrics batch fits many times over; a bigger one drops the connection before it is buffered.
     */
    maxPacketBytes: 4 * 1024 * 1024,
    /** Packets a client may send before its CONNECT is authenticated (aedes queueLimit). */
    queueLimit: 42,
    /** Deliveries in flight in the broker at once, for all clients (aedes/mqemitter concurrency). */
    concurrency: 100,
    /** QoS 2 packets a client may have awaiting PUBREL (aedes maxInflightInbound); agents only use QoS 0 and 1. */
    maxInflightInbound: 16,
    /**
     * QoS 1 messages kept for one persistent session (an offline node): beyond this the oldest not
     * yet sent are dropped. Desired states are whole snapshots, so only the newest matters.
     */
    maxQueuedPerClient: 100,
    /**
     * Publish budget of one node (hub/broker/publish-budget.ts), a token bucket: messages per
     * second sustained. Over it the broker delays a node's publishes (never drops them) and,
     * since aedes reads a socket only once the packets already read are handled, TCP pushes back
     * on the sender. A healthy agent sends about one message a second (heartbeat and metrics every
     * 10 s, events batched every 250 ms, pull progress every 2 s). Its busiest moments are streams:
     * 16 `logs -f` of chatty containers flushing every 20 ms (800/s), 16 exec sessions every 10 ms
     * (1,600/s) or one stream at full speed, 16 KiB a chunk, one PUBACK at a time: 2,000 chunks a
     * second are 32 MB/s, more than a Pi's link carries. An unthrottled flood of small QoS 0
     * publishes reaches about 150,000/s on this hub and would keep the whole broker busy.
     */
    publishesPerSecond: 2_000,
    /**
     * Publishes a node may send at once above the rate (the bucket's size): all of its streams
     * starting together, or the replay of its outbox after an outage (a day of metrics is about
     * 300 reports of 30 samples, events in batches of 100), go through without waiting.
     */
    publishBurst: 10_000,
  },
  /** Ingress (issue #8): which nodes serve it, and where. */
  ingress: {
    /** A node with this label (any value but "false") runs the ingress proxy and receives the TLS Secrets of every Ingress. */
    nodeLabel: 'node-role.kubernetes.io/ingress',
    /** --ingress-http-port and --ingress-https-port of the agent. */
    httpPort: 80,
    httpsPort: 443,
  },
  /** Services (issue #8): the hub allocates from these as kube-apiserver does from its flags. */
  services: {
    /** --service-cluster-ip-range: k3s' default; clusterIPs come from it. */
    clusterIpCidr: '10.43.0.0/16',
    /** --service-node-port-range: Kubernetes' default, inclusive at both ends. */
    nodePortMin: 30000,
    nodePortMax: 32767,
    /** sessionAffinityConfig.clientIP.timeoutSeconds when ClientIP affinity is asked for (Kubernetes: 3 h). */
    clientIpAffinityTimeoutSeconds: 10_800,
    /** kubelet's --cluster-domain (kubeadm's and k3s' default): a Service is NAME.NAMESPACE.svc.<this>. */
    clusterDomain: 'cluster.local',
    /** --proxy-relay-port: the agent's service relay (kubelet's port number: the agent is the node's daemon). 0 = any free port. */
    relayPort: 10250,
    /** How long the proxy waits for an endpoint (or a relay) to accept a connection before trying the next. */
    connectTimeoutMs: 3_000,
    /** An endpoint that refused or timed out is skipped for this long (unless no other is left). */
    endpointBackoffMs: 5_000,
    /** How soon a service port that could not be bound (address missing, port taken) is tried again. */
    listenRetryIntervalMs: 5_000,
    /** Endpoints one client connection tries before it is closed. */
    maxConnectAttempts: 3,
  },
} as const;

/** Kubernetes' probe defaults (SetDefaults_Probe, SetDefaults_HTTPGetAction). */
export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
  httpPath: '/',
  httpScheme: 'HTTP',
} as const;

/** Node identity: join tokens and per-node credentials (hub/identity/, agent/session/renewal.ts). */
export const IDENTITY_DEFAULTS = {
  /** Lifetime of a bootstrap token from `skiff token create` (kubeadm's default, 24 h). */
  bootstrapTokenTtlMs: 24 * 3_600_000,
  /** Lifetime of a node's credentials; the agent renews at about 2/3 of it (hub flag --node-credential-ttl). */
  nodeCredentialTtlMs: 30 * 24 * 3_600_000,
  /** After a renewal the previous password still works this long, so an in-flight reconnect does not fail. */
  previousCredentialOverlapMs: 2 * 60_000,
  /** How often the hub drops broker connections whose credentials expired or were deleted. */
  credentialSweepIntervalMs: 2_000,
} as const;

/** File names inside a hub's data dir. */
export const HUB_FILES = {
  database: 'hub.db',
  /** Usage time series (hub/metrics/metrics-db.ts), apart from the object store. */
  metricsDatabase: 'metrics.db',
  joinToken: 'join-token',
  adminConfig: 'admin.config',
  /** The same admin credentials as a kubeconfig, for the real kubectl (docs/kubectl.md). */
  kubeconfig: 'kubeconfig',
  /** The API audit log (hub/auth/audit-log.ts), one JSON Event a line; `skiff hub --audit-log-path` overrides. */
  auditLog: 'audit.log',
  /** Keys that encrypt Secrets at rest (hub/identity/encryption-key.ts); `skiff hub --encryption-key-file` moves it. */
  encryptionKey: 'encryption.key',
  /** The embedded broker's retained messages and persistent sessions (hub/broker/sqlite-persistence.ts). */
  brokerDatabase: 'broker.db',
} as const;

/** Secrets at rest (hub/store/secret-key-rotation.ts). */
export const SECRET_ENCRYPTION_DEFAULTS = {
  /** Rows re-encrypted per transaction by `skiff hub rotate-encryption-key`: short write locks beside a live hub. */
  rotationBatchSize: 100,
} as const;

/** ServiceAccount tokens (TokenRequest), as kube-apiserver's defaults and limits. */
export const SERVICE_ACCOUNT_TOKEN_DEFAULTS = {
  /** `spec.expirationSeconds` when a request leaves it out (kubectl create token: 1h). */
  defaultExpirationSeconds: 3600,
  /** Kubernetes refuses shorter tokens. */
  minExpirationSeconds: 600,
  /** Longer requests are cut to this, as --service-account-max-token-expiration does. */
  maxExpirationSeconds: 48 * 3600,
} as const;

/** File names inside an agent's data dir. */
export const AGENT_FILES = {
  database: 'agent.db',
  credentials: 'credentials.json',
  /** AES-256-GCM key sealing Secret data in agent.db (agent/config/secret-box.ts), mode 0600. */
  secretKey: 'secret.key',
  /** The hub's CA, pinned on first contact by the join token's hash (agent/session/hub-ca.ts). */
  hubCa: 'ca.crt',
} as const;

/**
 * --secrets-dir: a tmpfs for Secret volume files (never the SD card). /run is a tmpfs on
 * Raspberry Pi OS and systemd distros; where it is not (containers), root uses /dev/shm/skiff, and
 * an agent not running as root a per-user dir under /dev/shm. The agent keeps its files under <secrets-dir>/<node-name>.
 */
export const AGENT_SECRETS_DIR = { root: '/run/skiff/secrets', userBase: '/dev/shm' } as const;

/** Environment variable and default path for the CLI's client config (like KUBECONFIG). */
export const CLIENT_CONFIG_ENV = 'SKIFF_CONFIG';
export const CLIENT_CONFIG_DEFAULT_PATH = '.skiff/config'; // relative to the user's home
/** Names the client config's context for every command of a shell, as --context does for one (like kubectl's current context). */
export const CLIENT_CONTEXT_ENV = 'SKIFF_CONTEXT';

export const SKIFF_VERSION = '0.1.0';
/** Reported as kubeletVersion / gitVersion so kube tooling sees a sane semver. */
export const KUBE_COMPAT_VERSION = 'v1.32.0-skiff.0.1.0';
