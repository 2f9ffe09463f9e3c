/**
 * `docker image inspect`'s object for one image, in Docker 20.10's keys
 * and order (60 key paths for an imported image): its config as a full
 * container config (Docker's zero values where the image sets nothing),
 * and what the config blob says of the container it was committed from.
 *
 * @module
 */

import { parseConfigBlob } from "../image/image_config.ts";
import type { ImageConfig, ImageStore } from "../image/store.ts";

/** A container config in Docker's keys and order; `c` in Docker's names (a blob's `config`). */
function containerConfig(c: Record<string, unknown>): Record<string, unknown> {
  const optional = (key: string) => (c[key] === undefined ? {} : { [key]: c[key] });
  return {
    Hostname: c.Hostname ?? "",
    Domainname: c.Domainname ?? "",
    User: c.User ?? "",
    AttachStdin: c.AttachStdin ?? false,
    AttachStdout: c.AttachStdout ?? false,
    AttachStderr: c.AttachStderr ?? false,
    ...optional("ExposedPorts"),
    Tty: c.Tty ?? false,
    OpenStdin: c.OpenStdin ?? false,
    StdinOnce: c.StdinOnce ?? false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...optional("Healthcheck"),
    Image: c.Image ?? "",
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? "",
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...optional("StopSignal"),
  };
}

/** An ImageConfig in Docker's names. */
function dockerNames(config: ImageConfig): Record<string, unknown> {
  return {
    User: config.user,
    ExposedPorts: config.exposedPorts,
    Env: config.env,
    Cmd: config.cmd,
    Healthcheck: config.healthcheck,
    Volumes: config.volumes,
    WorkingDir: config.workingDir,
    Entrypoint: config.entrypoint,
    OnBuild: config.onBuild,
    Labels: config.labels,
    StopSignal: config.stopSignal,
  };
}

/** The inspect object of the image `ref` names (Docker's "No such image" error when none). */
export function inspectImage(images: ImageStore, ref: string): Record<string, unknown> {
  const image = images.resolve(ref);
  const [top, ...lower] = images.layerDirs(image.id);
  const mountDirs = images.topLayerMountDirs(image.id);
  const bytes = images.configBlob(image.id);
  const blob = bytes ? parseConfigBlob(bytes) : {};
  return {
    Id: `sha256:${image.id}`,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests ?? [],
    Parent: image.parent ? `sha256:${image.parent}` : "",
    Comment: image.comment ?? "",
    Created: image.created,
    Container: blob.container ?? "",
    ContainerConfig: containerConfig(blob.container_config ?? {}),
    DockerVersion: blob.docker_version ?? "",
    Author: blob.author ?? "",
    Config: containerConfig(dockerNames(image.config ?? {})),
    Architecture: image.architecture ?? "amd64",
    Os: image.os ?? "linux",
    Size: image.size,
    VirtualSize: image.size,
    // Its top layer, those below as overlay lists them, and where a mount of the top layer
    // alone would be made and do its work: an image has no mount of its own, so these two
    // do not exist (as Docker's overlay2 reports them, made only when that layer is mounted).
    GraphDriver: {
      Data: {
        ...(lower.length ? { LowerDir: lower.join(":") } : {}),
        MergedDir: mountDirs.merged,
        UpperDir: top,
        WorkDir: mountDirs.work,
      },
      Name: "overlay2",
    },
    RootFS: { Type: "layers", Layers: image.layers ?? [] },
    Metadata: { LastTagTime: image.lastTagTime ?? "0001-01-01T00:00:00Z" },
  };
}
