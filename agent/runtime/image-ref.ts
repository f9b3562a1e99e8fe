/**
 * Image references in the short form Docker prints in RepoTags ("busybox:latest",
 * "127.0.0.1:5000/web:1"), so that a pod's image and the engine's image list compare as strings.
 */

export interface ImageRef {
  /** Repository without tag or digest, in Docker's familiar form (no docker.io/library/). */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry host:port, not to a tag.
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  for (const prefix of ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/']) {
    if (rest.startsWith(prefix)) {
      rest = rest.slice(prefix.length);
      break;
    }
  }
  return { repository: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** "nginx" -> "nginx:latest"; "docker.io/library/nginx:1" -> "nginx:1"; digests stay digests. */
export function normalizeImageRef(image: string): string {
  const ref = parseImageRef(image);
  if (ref.digest !== undefined) return `${ref.repository}@${ref.digest}`;
  return `${ref.repository}:${ref.tag ?? 'latest'}`;
}
