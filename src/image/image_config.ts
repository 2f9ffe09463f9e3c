/**
 * Image config blobs: the JSON document (Docker's "image config", the
 * OCI image spec's `config`) whose sha256 is an image's ID. A pulled or
 * loaded image keeps the blob it came with, byte for byte; `import` and
 * `commit` write one. It carries the container settings (`config`), the
 * layers' diff IDs (`rootfs.diff_ids`) and the `history` that `history`
 * lists.
 *
 * @module
 */

import type { ImageConfig } from "./store.ts";

/** One entry of a config's `history`. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  author?: string;
  /** True when the step made no layer. */
  empty_layer?: boolean;
}

/** The parts of an image config blob this engine reads. */
export interface ConfigBlob {
  architecture?: string;
  os?: string;
  created?: string;
  author?: string;
  comment?: string;
  config?: Record<string, unknown>;
  /** Docker's: the container a commit was made of, its config, and the daemon's version. */
  container?: string;
  container_config?: Record<string, unknown>;
  docker_version?: string;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
}

/** Parses a config blob; throws on one that is not a JSON object with `rootfs.diff_ids`. */
export function parseConfigBlob(bytes: Uint8Array): ConfigBlob {
  const json = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error("image config is not a JSON object");
  }
  const ids = json.rootfs?.diff_ids;
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === "string")) {
    throw new Error("image config has no rootfs.diff_ids");
  }
  return json;
}

/** The container settings of a config's `config` object (Docker's names). */
export function imageConfigOf(config: Record<string, unknown> | undefined): ImageConfig {
  const c = (config ?? {}) as Record<string, never>;
  const out: ImageConfig = {};
  if (Array.isArray(c.Cmd)) out.cmd = c.Cmd;
  if (Array.isArray(c.Entrypoint)) out.entrypoint = c.Entrypoint;
  if (Array.isArray(c.Env)) out.env = c.Env;
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.User) out.user = c.User;
  if (c.ExposedPorts) out.exposedPorts = c.ExposedPorts;
  if (c.Labels) out.labels = c.Labels;
  if (c.StopSignal) out.stopSignal = c.StopSignal;
  if (c.Volumes) out.volumes = c.Volumes;
  if (Array.isArray(c.OnBuild)) out.onBuild = c.OnBuild;
  if (c.Healthcheck) out.healthcheck = c.Healthcheck;
  return out;
}

/** `config` in Docker's names, for a config blob. */
export function dockerConfigOf(config: ImageConfig): Record<string, unknown> {
  return {
    ...(config.user ? { User: config.user } : {}),
    ...(config.exposedPorts ? { ExposedPorts: config.exposedPorts } : {}),
    Env: config.env ?? null,
    Cmd: config.cmd ?? null,
    WorkingDir: config.workingDir ?? "",
    Entrypoint: config.entrypoint ?? null,
    Labels: config.labels ?? null,
    ...(config.stopSignal ? { StopSignal: config.stopSignal } : {}),
    ...(config.volumes ? { Volumes: config.volumes } : {}),
    OnBuild: config.onBuild ?? null,
    ...(config.healthcheck ? { Healthcheck: config.healthcheck } : {}),
  };
}

/** What a new config blob holds. */
export interface NewConfig {
  created: string;
  comment?: string;
  /** Docker's `commit --author`. */
  author?: string;
  config: ImageConfig;
  diffIds: string[];
  history: HistoryEntry[];
  architecture: string;
  os: string;
}

/** A config blob for an image made here (`import`, `commit`). */
export function buildConfigBlob(c: NewConfig): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    architecture: c.architecture,
    ...(c.author ? { author: c.author } : {}),
    ...(c.comment ? { comment: c.comment } : {}),
    config: dockerConfigOf(c.config),
    created: c.created,
    history: c.history,
    os: c.os,
    rootfs: { type: "layers", diff_ids: c.diffIds },
  }));
}
