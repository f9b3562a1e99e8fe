/**
 * Which credentials a pull uses (imagePullSecrets), pure. As kubelet: the Pod's pull secrets are
 * tried in order and the first whose `auths` has the image's registry wins; a listed Secret that
 * is missing is reported (Warning event) and the pull goes on without it. Registry keys match as
 * Docker's config does: `host[:port]`, with or without a scheme and path
 * (`https://index.docker.io/v1/` is Docker Hub).
 */
import type { DesiredPod } from '../../shared/mqtt/messages.js';
import { decodedValue, type ConfigLookup } from './config-lookup.js';

/** Docker's AuthConfig, as the engine takes it in X-Registry-Auth. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

const DOCKER_HUB = 'docker.io';

/** The registry host[:port] of an image reference, Docker's way (docker/distribution reference). */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = image.slice(0, slash);
  if (!first.includes('.') && !first.includes(':') && first !== 'localhost') return DOCKER_HUB;
  return canonicalRegistry(first);
}

function canonicalRegistry(host: string): string {
  const lower = host.toLowerCase();
  return lower === 'index.docker.io' || lower === 'registry-1.docker.io' ? DOCKER_HUB : lower;
}

/** A key of `auths` as a registry host[:port]: "https://host:5000/v1/" -> "host:5000". */
export function registryOfAuthKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '');
  return canonicalRegistry(withoutScheme.split('/')[0]!);
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** The `auths` of a dockerconfigjson (or legacy dockercfg) Secret; undefined when it has none. */
function authsOf(type: string | undefined, data: (key: string) => string | undefined): Record<string, AuthEntry> | undefined {
  try {
    if (type === 'kubernetes.io/dockercfg') {
      const text = data('.dockercfg');
      return text === undefined ? undefined : (JSON.parse(text) as Record<string, AuthEntry>);
    }
    const text = data('.dockerconfigjson');
    return text === undefined ? undefined : (JSON.parse(text) as { auths?: Record<string, AuthEntry> }).auths;
  } catch {
    // Not JSON: the API validates these types, so only an Opaque Secret can get here; it has no auths.
    return undefined;
  }
}

function credentialsOf(entry: AuthEntry, serveraddress: string): RegistryAuth {
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  return {
    serveraddress,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(entry.identitytoken ? { identitytoken: entry.identitytoken } : {}),
  };
}

export interface PullCredentials {
  auth?: RegistryAuth;
  /** Listed pull secrets that the node does not have. */
  missing: string[];
}

export function pullCredentials(pod: DesiredPod, image: string, lookup: ConfigLookup): PullCredentials {
  const refs = (pod.spec as { imagePullSecrets?: Array<{ name?: string }> }).imagePullSecrets ?? [];
  const registry = registryOf(image);
  const missing: string[] = [];
  let auth: RegistryAuth | undefined;
  for (const ref of refs) {
    const name = ref.name ?? '';
    const secret = lookup('Secret', pod.metadata.namespace, name);
    if (!secret) {
      missing.push(name);
      continue;
    }
    if (auth) continue;
    const auths = authsOf(secret.type, (key) => decodedValue(secret, key));
    const key = Object.keys(auths ?? {}).find((k) => registryOfAuthKey(k) === registry);
    if (key !== undefined) auth = credentialsOf(auths![key]!, key);
  }
  return { ...(auth ? { auth } : {}), missing };
}
