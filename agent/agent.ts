/**
 * One agent process, wired: local store first, reconcile from it at once (offline autonomy:
 * architecture.md), then — in the background, never blocking the loop — join the hub if needed
 * and keep an MQTT link to it. Returns a handle whose stop() ends everything but the containers,
 * which keep running (as kubelet's pods survive a kubelet restart).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../shared/log.js';
import { errorMessage } from '../shared/errors.js';
import { AGENT_FILES, DEFAULTS } from '../shared/defaults.js';
import { decodeDesiredState, type DesiredState } from '../shared/mqtt/messages.js';
import type { AgentConfig } from './config.js';
import { createExecutors } from './reconcile/executor.js';
import { FailureState } from './reconcile/failures.js';
import { PullProgressBoard } from './runtime/pull-progress.js';
import { InFlight } from './reconcile/in-flight.js';
import { ReconcileLoop } from './reconcile/loop.js';
import { splitSandboxes } from './reconcile/plan-sandbox.js';
import { Prober } from './health/prober.js';
import { probedContainers } from './health/probed-containers.js';
import { EventPublisher } from './report/event-publisher.js';
import { gatherNodeFacts } from './report/node-facts.js';
import { readCgroupFile, readKernelFile, readProcCgroup } from './cgroup/cgroup-files.js';
import { LimitAudit } from './cgroup/limit-audit.js';
import { MetricsReporter } from './metrics/metrics-reporter.js';
import { NodeMetricsSampler } from './metrics/node-sampler.js';
import { PodSampler } from './metrics/pod-sampler.js';
import { NodeMonitor } from './report/node-monitor.js';
import { cgroupWorkingSet } from './eviction/container-memory.js';
import { EvictionManager } from './eviction/eviction-manager.js';
import { NodeSampler } from './report/node-observations.js';
import { computeAllocatable, resourceLists } from './report/node-resources.js';
import { buildNodeStatus, machineCapacity, nodeLabels, type NodeFacts } from './report/node-status.js';
import { Reporter } from './report/reporter.js';
import type { DockerApi } from './runtime/docker-api.js';
import { DockerodeApi } from './runtime/dockerode-api.js';
import { EngineApi } from './runtime/engine-api.js';
import { watchDockerEvents } from './runtime/events.js';
import { Observer } from './runtime/observe.js';
import { obtainCredentials, requestJoin } from './session/join.js';
import { saveCredentials } from './session/credentials.js';
import { CredentialRenewer, requestRenew } from './session/renewal.js';
import { MqttSession } from './session/mqtt-session.js';
import { establishHubTrust, HubTrustError } from './session/hub-ca.js';
import { SqliteAgentStore } from './store/sqlite-agent-store.js';
import { lookupOf } from './config/config-lookup.js';
import { PodVolumes } from './volumes/pod-volumes.js';
import { MAX_USAGE_WALK_ENTRIES } from './volumes/dir-usage.js';
import { NodeServices } from './services/node-services.js';
import { PodHostsFiles } from './services/pod-hosts.js';
import { runningPodAddresses } from './services/running-pods.js';
import { tlsPairOf } from './services/tls-secret.js';
import { LogStreamer } from './logs/log-streamer.js';
import { ExecStreamer } from './exec/exec-streamer.js';
import { PortForwarder } from './exec/port-forwarder.js';
import { podIpOf } from './exec/pod-ip.js';
import { NodeRequestRouter } from './requests/node-request-router.js';

export interface AgentHandle {
  stop(): Promise<void>;
}

export interface AgentOverrides {
  api?: DockerApi;
  now?: () => number;
  random?: () => number;
}

export async function startAgent(config: AgentConfig, log: Logger, overrides: AgentOverrides = {}): Promise<AgentHandle> {
  const now = overrides.now ?? Date.now;
  const random = overrides.random ?? Math.random;
  const node = config.nodeName;

  // First contact pins the hub's CA by the join token's hash, or refuses a wrong hub (fatal)
  // before anything is written here; later starts read DATA/ca.crt and need no hub.
  const trust = await establishHubTrust({ server: config.server, token: config.token, dataDir: config.dataDir, log: log.child({ component: 'trust' }), signal: new AbortController().signal, random }).catch(
    (err: unknown) => {
      if (err instanceof HubTrustError) log.fatal({ err: err.message }, 'refusing the hub');
      throw err;
    },
  );
  const caPem = trust?.caPem;
  const credential = trust?.credential ?? config.token;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = new SqliteAgentStore(join(config.dataDir, AGENT_FILES.database));
  store.onHistoryWrite = (err) =>
    err === undefined
      ? log.info('container history written again')
      : log.warn({ err: errorMessage(err) }, 'cannot write container history (disk full?); kept in memory until the disk takes it');
  // Events and metrics wait here until the broker has them, across link drops and restarts.
  const outbox = store.openOutbox({ maxBytes: config.outboxMaxBytes, flushIntervalMs: DEFAULTS.agentOutbox.flushIntervalMs, log: log.child({ component: 'outbox' }) });
  outbox.start();
  let desired: DesiredState | undefined = store.loadDesired();
  log.info({ node, generation: desired?.generation ?? 0, pods: desired?.pods.length ?? 0 }, 'loaded desired state');

  let onServicesChanged = (): void => undefined; // the loop, once it exists
  // Services: the stored view first, so the proxy serves and new containers get their service
  // variables and hosts entries before (or without) the hub. The relay's port goes into the status.
  const nodeServices = new NodeServices({
    node,
    ...(config.nodeIp !== undefined ? { nodeIp: config.nodeIp } : {}),
    relayPort: config.proxyRelayPort,
    ingressPorts: { http: config.ingressHttpPort, https: config.ingressHttpsPort },
    tlsSecret: (namespace, name) => tlsPairOf(lookupOf(desired)('Secret', namespace, name)),
    store,
    now,
    log: log.child({ component: 'services' }),
    onViewChanged: () => onServicesChanged(),
  });
  await nodeServices.start();
  nodeServices.serveIngress(desired?.ingress === true);
  const hostsFiles = new PodHostsFiles({ dataDir: config.dataDir, services: () => nodeServices.services(), log: log.child({ component: 'hosts' }) });

  // The small node:http client by default (~10 MB less RSS than dockerode: see dockerode-api.ts).
  const api: DockerApi = overrides.api ?? (process.env.SKIFF_DOCKER_CLIENT === 'dockerode' ? await DockerodeApi.create() : new EngineApi());
  const observer = new Observer(api, node);
  const failures = new FailureState();
  const triggerLoop = (): void => loop.trigger();
  const pulls = new InFlight(triggerLoop);
  // A failed removal is retried by the resync, not at once (no tight loop against a sick engine).
  const removals = new InFlight((_, ok) => ok && triggerLoop());
  // Executors never throw: a failed create is recorded with its backoff, so its end triggers too.
  const creations = new InFlight(triggerLoop);
  let session: MqttSession | undefined;
  const events = new EventPublisher({
    node,
    outbox,
    publish: (report) => (session ? session.publishEvents(report) : Promise.reject(new Error('not connected'))),
    isConnected: () => session?.connected ?? false,
    log: log.child({ component: 'events' }),
  });
  const prober = new Prober({
    exec: (id, command, timeoutMs) => api.exec(id, command, timeoutMs),
    now,
    onResult: triggerLoop,
    onEvent: (event) => events.emit(event),
    log: log.child({ component: 'prober' }),
  });
  const limitAudit = new LimitAudit({
    readProcCgroup,
    readFile: readCgroupFile,
    emit: (event) => events.emit(event),
    now,
    log: log.child({ component: 'limit-audit' }),
  });
  // Pull progress (issue #9): the executor leaves it here, the reporter puts it in pod statuses.
  const pullProgress = new PullProgressBoard(() => reporter.onPullProgress());
  const executors = createExecutors({
    api,
    store,
    node,
    ...(config.nodeIp !== undefined ? { nodeIp: config.nodeIp } : {}),
    ...(config.podMaxPids !== undefined ? { podMaxPids: config.podMaxPids } : {}),
    sandboxImage: config.pauseImage,
    now,
    log: log.child({ component: 'executor' }),
    pulls,
    removals,
    failures,
    invalidate: (id) => observer.invalidate(id),
    emit: (event) => events.emit(event),
    config: () => lookupOf(desired),
    hostsFiles,
    dataDir: config.dataDir,
    pullProgress,
  });

  let facts: NodeFacts = gatherNodeFacts(config.nodeIp, undefined);
  let engineKnown = false;
  const refreshFacts = (): void => {
    if (engineKnown) return;
    engineKnown = true; // at most one lookup in flight
    api.engineVersion().then(
      (version) => {
        facts = gatherNodeFacts(config.nodeIp, version);
      },
      () => {
        engineKnown = false; // Docker not up yet: ask again after the next pass
      },
    );
  };
  refreshFacts();
  const readySince = new Date(now()).toISOString();

  // Memory-pressure eviction (kubelet's eviction manager): acts on each node-monitor sample.
  let reconciling = false; // the loop is built after the first sample, which may already evict
  // Per node under --secrets-dir: agents sharing a host never clean up each other's volumes.
  const volumes = new PodVolumes({ dataDir: config.dataDir, secretsDir: join(config.secretsDir, node), log: log.child({ component: 'volumes' }) });
  const evictions = new EvictionManager({
    thresholds: config.evictionHard,
    desired: () => desired,
    // Pod containers only: a sandbox's pause process uses next to nothing and goes with its pod.
    observe: async () => splitSandboxes(await observer.observe()).containers,
    workingSetBytes: cgroupWorkingSet(readProcCgroup, readCgroupFile),
    emptyDirUsage: (uid, volume, stopAboveBytes) => volumes.emptyDirUsage(uid, volume, { maxEntries: MAX_USAGE_WALK_ENTRIES, stopAboveBytes }),
    stopContainer: (id, graceSeconds) => api.stopContainer(id, graceSeconds),
    inspectContainer: (id) => api.inspectContainer(id),
    history: () => store.history(),
    store,
    emit: (event) => events.emit(event),
    onEvicted: () => reconciling && loop.trigger(),
    now,
    log: log.child({ component: 'eviction' }),
  });
  const sampler = new NodeSampler(config.dataDir, facts.memoryBytes, log.child({ component: 'node-monitor' }));
  const monitor = new NodeMonitor({
    onSample: (sample, breached) => evictions.onSample(sample, breached),
    sample: () => sampler.sample(),
    thresholds: config.evictionHard,
    transitionPeriodMs: config.evictionPressureTransitionPeriodMs,
    intervalMs: config.evictionMonitoringIntervalMs,
    onChange: () => reporter.onNodeChanged(),
    now,
    log: log.child({ component: 'node-monitor' }),
  });
  const nodeResources = (): ReturnType<typeof resourceLists> => {
    const capacity = machineCapacity(facts, config.maxPods, monitor.latest?.nodefsCapacityBytes);
    return resourceLists(capacity, computeAllocatable(capacity, config.reserved, config.evictionHard));
  };

  const reporter = new Reporter({
    node,
    labels: nodeLabels(node, facts.architecture, config.nodeLabels),
    nodeStatus: (nowIso) =>
      buildNodeStatus(facts, nowIso, readySince, {
        resources: nodeResources(),
        pressure: monitor.conditions(nowIso),
        ...(nodeServices.relayPort !== undefined ? { relayPort: nodeServices.relayPort } : {}),
      }),
    hostIP: () => facts.internalIP ?? '',
    history: () => store.history(),
    nextSeq: () => store.nextSeq(),
    evictedPods: (hostIP, observedGeneration) => evictions.reportedPods(hostIP, observedGeneration),
    publish: (report) => (session ? session.publishStatus(report) : Promise.reject(new Error('not connected'))),
    publishLease: () => session?.publishLease(),
    isConnected: () => session?.connected ?? false,
    now,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    pullProgress: (image) => pullProgress.get(image),
    log: log.child({ component: 'reporter' }),
  });
  const nodeMetrics = new NodeMetricsSampler(log.child({ component: 'metrics' }));
  const podMetrics = new PodSampler({
    now,
    readProcCgroup,
    readFile: readCgroupFile,
    readNetDev: async (pid) => readKernelFile(`/proc/${pid}/net/dev`),
    log: log.child({ component: 'metrics' }),
  });
  let lastObserved: Parameters<typeof podMetrics.sample>[0] = [];
  const metrics = new MetricsReporter({
    node,
    outbox,
    sampleNode: () => nodeMetrics.sample(),
    samplePods: () => podMetrics.sample(lastObserved),
    publish: (report) => (session ? session.publishMetrics(report) : Promise.reject(new Error('not connected'))),
    isConnected: () => session?.connected ?? false,
    now,
    intervalMs: config.metricsIntervalMs,
    maxPerReport: DEFAULTS.metrics.maxSamplesPerReport,
    log: log.child({ component: 'metrics' }),
  });

  await monitor.start(); // a few file reads: the first report then knows the node's storage and pressure

  const loop = new ReconcileLoop({
    api,
    observe: () => observer.observe(),
    store,
    desired: () => evictions.desiredForLoop(desired), // an evicted Pod never runs again
    executors,
    pulls,
    removals,
    creations,
    failures,
    now,
    random,
    sandboxImage: config.pauseImage,
    diskPressure: () => diskPressureOf(monitor),
    log: log.child({ component: 'reconcile' }),
    resyncIntervalMs: config.resyncIntervalMs,
    probes: prober,
    node: () => ({ name: node, hostIP: facts.internalIP ?? '', allocatable: nodeResources().allocatable }),
    volumes,
    services: () => nodeServices.services(),
    onSettled: (result) => {
      void hostsFiles.sync(runningPodAddresses(result.desired?.pods ?? [], result.sandboxes));
      refreshFacts();
      prober.sync(probedContainers(result.desired, result.observed));
      void limitAudit.audit(result.observed);
      lastObserved = result.observed;
      reporter.onSettled(result);
    },
  });

  // `skiff logs` / `kubectl logs`: the hub's requests, answered from the engine (logs/log-streamer.ts).
  const logs = new LogStreamer({
    node,
    api,
    observe: async () => splitSandboxes(await observer.observe()).containers,
    desiredPod: (uid) => desired?.pods.find((p) => p.metadata.uid === uid),
    dataDir: config.dataDir,
    publish: (chunk) => (session ? session.publishStream(chunk) : Promise.reject(new Error('not connected'))),
    now,
    log: log.child({ component: 'logs' }),
  });

  const exec = new ExecStreamer({
    node,
    api,
    observe: async () => splitSandboxes(await observer.observe()).containers,
    publish: (chunk) => (session ? session.publishStream(chunk) : Promise.reject(new Error('not connected'))),
    log: log.child({ component: 'exec' }),
  });
  const forwarder = new PortForwarder({
    node,
    podIp: async (uid) => podIpOf(splitSandboxes(await observer.observe()).sandboxes, uid, facts.internalIP),
    publish: (chunk) => (session ? session.publishStream(chunk) : Promise.reject(new Error('not connected'))),
    log: log.child({ component: 'port-forward' }),
  });
  const requests = new NodeRequestRouter(
    node,
    {
      logs: (request) => logs.start(request),
      exec: (request) => exec.start(request),
      portForward: (request) => forwarder.start(request),
      stdin: (request) => {
        exec.stdin(request);
        forwarder.stdin(request);
      },
      resize: (request) => exec.resize(request),
      cancel: (id) => {
        logs.cancel(id);
        exec.cancel(id);
        forwarder.cancel(id);
      },
      report: () => reporter.onReportRequested(),
    },
    log.child({ component: 'requests' }),
  );

  const dockerEvents = watchDockerEvents(
    api,
    node,
    (id) => {
      if (id) observer.invalidate(id);
      loop.trigger();
    },
    log.child({ component: 'docker-events' }),
    random,
  );
  loop.start();
  reconciling = true;
  onServicesChanged = () => loop.trigger();
  reporter.start();
  metrics.start();

  const onDesired = (payload: Buffer, topic: string): void => {
    let state: DesiredState;
    try {
      state = decodeDesiredState(payload, topic);
    } catch (err) {
      log.error({ topic, err: errorMessage(err) }, 'ignored a desired state that does not decode');
      return;
    }
    if (state.node !== node) {
      log.error({ topic, node: state.node }, 'ignored a desired state addressed to another node');
      return;
    }
    accept(state);
  };

  // A desired state the disk would not take (full, read-only) is not acted on: it is stored FIRST,
  // so that once accepted it survives a crash, a reboot and a lost hub. It is tried again every
  // few seconds until the disk takes it (or a newer one replaces it); meanwhile the node keeps
  // running the state it stored last.
  let unstored: DesiredState | undefined;
  let storeRetry: NodeJS.Timeout | undefined;
  const accept = (state: DesiredState): void => {
    let saved: boolean;
    try {
      saved = store.saveDesired(state);
    } catch (err) {
      if (unstored === undefined) log.error({ generation: state.generation, err: errorMessage(err) }, 'cannot store the desired state; keeping the last stored one and retrying');
      unstored = state;
      storeRetry ??= setInterval(() => accept(unstored!), config.resyncIntervalMs).unref();
      return;
    }
    if (unstored !== undefined && unstored.generation <= state.generation) {
      unstored = undefined;
      clearInterval(storeRetry);
      storeRetry = undefined;
    }
    if (!saved) {
      log.debug({ generation: state.generation, stored: desired?.generation }, 'ignored a desired state that is not newer');
      return;
    }
    desired = state;
    log.info({ generation: state.generation, pods: state.pods.length }, 'accepted desired state');
    nodeServices.serveIngress(state.ingress === true);
    loop.trigger();
  };

  const abort = new AbortController();
  let renewer: CredentialRenewer | undefined;
  const linking = (async () => {
    const credentials = await obtainCredentials({
      file: join(config.dataDir, AGENT_FILES.credentials),
      server: config.server,
      token: credential,
      nodeName: node,
      ...(caPem !== undefined ? { caPem } : {}),
      log: log.child({ component: 'join' }),
      signal: abort.signal,
      random,
    });
    if (!credentials || abort.signal.aborted) return;
    session = await MqttSession.connect({
      // The broker speaks TLS when the API does: the CA pinned for one is the CA of both.
      // An external broker (the hub's --mqtt-url) is named whole; the embedded one is on the hub's host.
      url: credentials.mqttUrl ?? `${caPem !== undefined ? 'mqtts' : 'mqtt'}://${new URL(config.server).hostname}:${credentials.mqttPort}`,
      ...(caPem !== undefined ? { ca: caPem } : {}),
      node,
      username: credentials.username,
      password: credentials.password,
      keepaliveSeconds: config.mqttKeepaliveSeconds,
      log: log.child({ component: 'mqtt' }),
      random,
      onDesired,
      onServices: (payload, topic) => nodeServices.onMessage(payload, topic),
      onRequest: (payload, topic) => requests.onMessage(payload, topic),
      onConnect: () => {
        reporter.onConnected();
        events.onConnected();
        void metrics.flush();
      },
    });
    // Credentials expire: renew them in the background and switch the live session over (renewal.ts).
    renewer = new CredentialRenewer({
      initial: credentials,
      renew: (current) => requestRenew(config.server, current, { signal: abort.signal, ...(caPem !== undefined ? { tls: { ca: caPem } } : {}) }),
      rejoin: () => requestJoin(config.server, { token: credential, nodeName: node }, abort.signal, caPem),
      save: (next) => saveCredentials(join(config.dataDir, AGENT_FILES.credentials), next),
      onRenewed: (next) => session?.switchPassword(next.password),
      log: log.child({ component: 'credentials' }),
      random,
    });
    renewer.start();
  })().catch((err: unknown) => log.error({ err: errorMessage(err) }, 'cannot link to the hub'));

  return {
    async stop() {
      abort.abort();
      await linking;
      await renewer?.stop();
      dockerEvents.close();
      logs.stop();
      exec.stop();
      forwarder.stop();
      reporter.stop();
      metrics.stop();
      monitor.stop();
      await evictions.settled(); // an eviction under way writes to the store
      await loop.stop();
      prober.stop();
      events.stop();
      await session?.close();
      await nodeServices.stop();
      api.close?.();
      clearInterval(storeRetry);
      outbox.stop(); // writes what is still unacknowledged
      store.close();
      log.info({ node }, 'agent stopped; containers left running');
    },
  };
}

/** Why the node has DiskPressure (the disk signals under their --eviction-hard threshold), or undefined. */
function diskPressureOf(monitor: NodeMonitor): string | undefined {
  const condition = monitor.conditions('').find((c) => c.type === 'DiskPressure');
  if (condition?.status !== 'True') return undefined;
  const signals = monitor.breached.filter((signal) => signal.startsWith('nodefs'));
  return signals.length > 0 ? `${signals.join(', ')} below the eviction threshold` : 'disk signals were below the eviction threshold within the transition period';
}
