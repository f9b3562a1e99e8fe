/**
 * DockerApi over dockerode (imported lazily). NOT the default: the agent uses engine-api.ts, a
 * plain node:http client. Measured with 10 pods on Node 20 x64 (steady RSS, V8 --no-opt): ~57 MB
 * with EngineApi, ~67 MB with this one (docker-modem eagerly loads ssh2, whose WebAssembly
 * crypto adds ~16 MB of external memory on the first request, and dockerode loads gRPC and
 * protobufjs for BuildKit sessions). Kept, and run through the same contract test
 * (test/unit/agent/docker-runtime.test.ts), for engines or features the small client does not
 * cover (TLS to a remote engine, ssh://); select it with SKIFF_DOCKER_CLIENT=dockerode.
 * DOCKER_HOST is honoured as the docker CLI does.
 */
import { collectMultiplexed, eventSubscription, followPull } from './docker-streams.js';
import { detailsFromInspect, type RawInspect } from './inspect.js';
import type Dockerode from 'dockerode';
import type { RegistryAuth } from '../config/pull-auth.js';
import type { PullProgress } from '../../shared/pull-progress-message.js';
import type { ContainerDetails, ContainerRunState, ContainerSummary, CreateContainerBody, DockerApi, DockerEvent, EventSubscription, ExecResult } from './docker-api.js';


function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? (err as { statusCode?: number }).statusCode : undefined;
}

/** dockerode errors carry the engine's JSON body; its `message` is what a person should read. */
function engineMessage(err: unknown): string {
  const json = typeof err === 'object' && err !== null ? (err as { json?: { message?: string } }).json : undefined;
  if (json?.message) return json.message;
  return err instanceof Error ? err.message : String(err);
}

export class DockerodeApi implements DockerApi {
  private constructor(private readonly docker: Dockerode) {}

  static async create(): Promise<DockerodeApi> {
    const { default: Docker } = await import('dockerode');
    return new DockerodeApi(new Docker());
  }

  async listContainers(labelFilters: string[]): Promise<ContainerSummary[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: labelFilters } });
    return list.map((c) => ({
      id: c.Id,
      labels: c.Labels ?? {},
      state: c.State as ContainerRunState,
      createdMs: c.Created * 1000,
      imageID: c.ImageID,
    }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    try {
      return detailsFromInspect((await this.docker.getContainer(id).inspect()) as unknown as RawInspect);
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async createContainer(body: CreateContainerBody): Promise<string> {
    try {
      return (await this.docker.createContainer(body)).id;
    } catch (err) {
      throw new Error(engineMessage(err), { cause: err });
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusCode(err) === 304) return; // already started
      throw new Error(engineMessage(err), { cause: err });
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: graceSeconds });
    } catch (err) {
      const code = statusCode(err);
      if (code === 304 || code === 404) return; // already stopped, or gone
      throw err;
    }
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const output = await collectMultiplexed(stream, { timeoutMs, command });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output };
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      const code = statusCode(err);
      if (code === 404 || code === 409) return; // gone, or removal already in progress
      throw err;
    }
  }

  async listImageRefs(): Promise<string[]> {
    const images = await this.docker.listImages();
    return images.flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]).filter((ref) => !ref.startsWith('<none>'));
  }

  async pullImage(ref: string, auth?: RegistryAuth, onProgress?: (progress: PullProgress) => void): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(ref, auth ? { authconfig: auth } : {});
    } catch (err) {
      throw new Error(engineMessage(err), { cause: err });
    }
    // The same reader as engine-api.ts (docker-streams.ts), not modem.followProgress: one place
    // that knows the stream's failures and folds its progress.
    await followPull(stream, onProgress).catch((err: unknown) => {
      throw new Error(engineMessage(err), { cause: err });
    });
  }

  async subscribeEvents(
    labelFilters: string[],
    actions: string[],
    onEvent: (event: DockerEvent) => void,
    onEnd: (err?: Error) => void,
  ): Promise<EventSubscription> {
    const stream = (await this.docker.getEvents({ filters: { type: ['container'], label: labelFilters, event: actions } })) as NodeJS.ReadableStream & {
      destroy(): void;
    };
    return eventSubscription(stream, onEvent, onEnd);
  }

  async engineVersion(): Promise<string> {
    return (await this.docker.version()).Version;
  }
}
