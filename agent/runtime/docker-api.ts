/**
 * The few Docker Engine API calls the agent makes, as plain types. Everything above this
 * interface (observe, executor, tests) is independent of dockerode, which is heavy on a Pi
 * (see dockerode-api.ts): replacing it is a change to one file.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { RegistryAuth } from '../config/pull-auth.js';
import type { PullProgress } from '../../shared/pull-progress-message.js';

export type ContainerRunState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** One row of GET /containers/json. */
export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  state: ContainerRunState;
  createdMs: number;
  imageID: string;
}

/** The parts of GET /containers/{id}/json the agent reads. */
export interface ContainerDetails {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerRunState;
  exitCode: number;
  oomKilled: boolean;
  /** ISO times; undefined when Docker says 0001-01-01 (never started / not finished). */
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  createdMs: number;
  image: string;
  imageID: string;
  /** Address on the default bridge, when it has one (a pod sandbox; pod containers join its namespace). */
  ip?: string;
  /** HostConfig.NetworkMode: "bridge", "host", or "container:<id>" for a container in a pod sandbox. */
  networkMode?: string;
  /** The main process, while running (its /proc/<pid>/cgroup locates the container's cgroup). */
  pid?: number;
  /** The limits Docker was asked for (HostConfig), in the units the cgroup readback uses. */
  requestedLimits?: { memoryBytes?: number; cpuMillicores?: number; cpuShares?: number; pidsMax?: number };
}

export type CreateContainerBody = ContainerCreateOptions;

export interface DockerEvent {
  action: string;
  id: string;
}

/** How a command run inside a container ended (exec probes, preStop hooks). */
export interface ExecResult {
  exitCode: number;
  /** stdout and stderr interleaved, capped at EXEC_OUTPUT_LIMIT bytes. */
  output: string;
}

/** kubelet reads at most 10 KiB of a probe's output. */
export const EXEC_OUTPUT_LIMIT = 10 * 1024;

export interface ExecAttachOptions {
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export interface AttachedExec {
  /** Stdin in; output out (multiplexed frames without a TTY, raw bytes with one). */
  socket: import('node:stream').Duplex;
  /** The command's exit code, once the socket has ended. */
  exitCode(): Promise<number>;
  resize(width: number, height: number): Promise<void>;
}

export interface ContainerLogOptions {
  follow: boolean;
  timestamps: boolean;
  /** The last N lines only. */
  tail?: number;
  /** Only output after this Unix time, in seconds. */
  since?: number;
}

export interface EventSubscription {
  close(): void;
}

export interface DockerApi {
  listContainers(labelFilters: string[]): Promise<ContainerSummary[]>;
  /** undefined when the container no longer exists. */
  inspectContainer(id: string): Promise<ContainerDetails | undefined>;
  createContainer(body: CreateContainerBody): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Graceful stop (SIGTERM, then SIGKILL after graceSeconds); a stopped or missing container is fine. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /**
   * Runs a command in a running container and waits for it. Rejects when it does not finish
   * within timeoutMs (the command may still be running inside the container) or cannot start.
   */
  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** Forced removal; a missing container is fine. */
  removeContainer(id: string): Promise<void>;
  /** RepoTags and RepoDigests of every local image. */
  listImageRefs(): Promise<string[]>;
  /**
   * Resolves when the image is present; rejects with the engine's message when the pull fails.
   * `auth`: registry credentials (imagePullSecrets), sent to the engine for this pull only.
   * `onProgress`: the pull's layers and bytes so far, after each engine line that changed them.
   */
  pullImage(ref: string, auth?: RegistryAuth, onProgress?: (progress: PullProgress) => void): Promise<void>;
  /** Container events matching the label filters; onEnd is called once when the stream stops. */
  subscribeEvents(labelFilters: string[], actions: string[], onEvent: (event: DockerEvent) => void, onEnd: (err?: Error) => void): Promise<EventSubscription>;
  /** The engine's version, e.g. "20.10.24". */
  engineVersion(): Promise<string>;
  /**
   * A container's output (Engine API ContainerLogs), stdout and stderr multiplexed as the engine
   * sends it for a non-TTY container (docker-streams.ts demultiplexes). With `follow` it stays open
   * while the container runs. Optional: the test doubles of pure tests need not have it.
   */
  containerLogs?(id: string, options: ContainerLogOptions): Promise<NodeJS.ReadableStream & { destroy(): void }>;
  /** Starts a command in a running container attached both ways (kubectl exec). Optional as containerLogs. */
  execAttach?(id: string, options: ExecAttachOptions): Promise<AttachedExec>;
  /** Releases idle connections (shutdown). */
  close?(): void;
}
