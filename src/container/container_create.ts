/**
 * `create`: resolve the image, write the container record (with a unique
 * name) and make the container's directory: overlay upper/work/merged and
 * the files later bind-mounted over /etc/hostname, /etc/hosts and
 * /etc/resolv.conf. Nothing runs yet.
 *
 * @module
 */

import { containerPaths } from "./paths.ts";
import type { Kernel } from "../../ffi/kernel.ts";
import { lstatOrUndefined } from "../_fs.ts";
import { UserError } from "../errors.ts";
import { recordEvent } from "../events/events.ts";
import { type ImageConfig, ImageStore } from "../image/store.ts";
import { isPseudoNetwork } from "./network_mode.ts";
import { needsSpace } from "../store/disk_full.ts";
import { newId } from "../store/ids.ts";
import { mergeEnv } from "./_env.ts";
import type { StateRoot } from "../store/paths.ts";
import { capabilityList, DEFAULT_SECURITY, seccompFromUserProfile } from "./container_spec.ts";
import type {
  BindMount,
  ContainerConfig,
  ContainerRecord,
  HealthConfig,
  SecurityConfig,
} from "./record.ts";
import { createdState } from "./record.ts";
import { ContainerStore } from "./store.ts";
import { eventSubject } from "./events.ts";
import { resolvConfWith } from "./_resolv_conf.ts";
import { extraHostsEntries } from "../rootfs/etc_hosts.ts";
import { ENGINE_SYMLINKS } from "./_engine_mount_points.ts";

/**
 * What the user asked for; the image's defaults fill the gaps. `entrypoint`
 * is `--entrypoint` (`[]` for `--entrypoint ""`), absent when not given.
 */
export interface CreateSpec extends Omit<ContainerConfig, "imageId" | "hostname" | "workingDir"> {
  name?: string;
  hostname?: string;
  workingDir?: string;
  /** `--mount type=volume,…,volume-label=K=V`: labels of volumes made for it, by name. */
  volumeLabels?: Record<string, Record<string, string>>;
}

/**
 * Docker's Config.Env: the user's variables, then the image's that the
 * user did not set (measured: `-e A=1` on an image with `FOO=bar` gives
 * `["A=1","FOO=bar"]`). What the process gets besides is `runtimeEnv`'s.
 */
function configEnv(imageEnv: readonly string[], userEnv: readonly string[]): string[] {
  const key = (e: string) => e.includes("=") ? e.slice(0, e.indexOf("=")) : e;
  const user = mergeEnv([], userEnv);
  const keys = new Set(user.map(key));
  return [...user, ...imageEnv.filter((e) => !keys.has(key(e)))];
}

/**
 * Docker's rules for the command: the image's ENTRYPOINT and CMD unless
 * `--entrypoint` is given, which drops both (`--entrypoint ""` leaves no
 * entrypoint); the user's command replaces CMD.
 */
function commandOf(
  spec: CreateSpec,
  image: { entrypoint?: string[]; cmd?: string[] },
): { entrypoint?: string[]; args: string[] } {
  const entrypoint = spec.entrypoint ?? image.entrypoint;
  const args = spec.cmd.length || spec.entrypoint !== undefined ? spec.cmd : image.cmd ?? [];
  return { ...(entrypoint?.length ? { entrypoint } : {}), args };
}

/** A host file's text, or "" when the host has none (the container then gets an empty one, as Docker). */
function hostFile(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/**
 * The host's resolv.conf; with a network namespace of its own, minus the
 * loopback nameservers the container cannot reach.
 */
function resolvConf(hostNetwork: boolean): string {
  const host = hostFile("/etc/resolv.conf");
  if (hostNetwork) return host;
  return host.split("\n").filter((l) => !/^\s*nameserver\s+(127\.|::1)/.test(l)).join("\n");
}

/** The image's USER applies when `-u` names none. */
function withImageUser(security: SecurityConfig, imageUser: string | undefined): SecurityConfig {
  if (security.user !== undefined || !imageUser) return security;
  return { ...security, user: imageUser };
}

/**
 * Creates the container (state "created") and returns its record. On a
 * full disk: one NoSpaceError, and nothing of the container left.
 */
export function createContainer(
  root: StateRoot,
  spec: CreateSpec,
  kernel: Kernel,
): Promise<ContainerRecord> {
  return needsSpace(root, () => create(root, spec, kernel));
}

/**
 * The image's VOLUMEs as anonymous volumes, except where the user mounts
 * something already (Docker: a `-v`/`--mount` at that path replaces it).
 */
function imageVolumes(binds: readonly BindMount[], volumes: ImageConfig["volumes"]): BindMount[] {
  const taken = new Set(binds.map((b) => b.destination));
  return Object.keys(volumes ?? {})
    .map((path) => path.replace(/\/+$/, "") || "/")
    .filter((dest) => dest.startsWith("/") && dest !== "/" && !taken.has(dest))
    .map((destination) => ({
      source: "",
      destination,
      readOnly: false,
      anonymous: true,
      copyUp: true,
    }));
}

/**
 * The image's HEALTHCHECK under the user's `--health-*` (a field given
 * replaces the image's; `--no-healthcheck` makes the test NONE), as Docker
 * 20.10 merges them (measured: an image's `--interval=1s CMD exit 0` with
 * `--health-interval 2s` is Interval 2s, the same test; with
 * `--no-healthcheck`, Test ["NONE"] and Interval 1s).
 */
function healthcheckOf(
  user: HealthConfig | undefined,
  image: ImageConfig["healthcheck"],
): HealthConfig | undefined {
  const fromImage: HealthConfig | undefined = image?.Test
    ? {
      test: image.Test,
      ...(image.Interval ? { intervalNs: image.Interval } : {}),
      ...(image.Timeout ? { timeoutNs: image.Timeout } : {}),
      ...(image.StartPeriod ? { startPeriodNs: image.StartPeriod } : {}),
      ...(image.Retries ? { retries: image.Retries } : {}),
    }
    : undefined;
  if (!user) return fromImage;
  // Docker keeps the image's other fields under --no-healthcheck's NONE (measured).
  if (user.test[0] === "NONE") return { ...fromImage, test: ["NONE"] };
  return { ...fromImage, ...user, test: user.test.length ? user.test : fromImage?.test ?? [] };
}

/**
 * Bind sources `--mount type=bind` names must exist (Docker refuses at
 * create; `-v` makes a missing one at start).
 */
function checkBindSources(binds: readonly BindMount[]): void {
  for (const b of binds) {
    if (b.mustExist && !lstatOrUndefined(b.source)) {
      throw new UserError(
        `Error response from daemon: invalid mount config for type "bind": ` +
          `bind source path does not exist: ${b.source}`,
      );
    }
  }
}

/**
 * The code a create needs for a container that mounts volumes, loaded for
 * it only: the volume store (and `root`'s), making them, copy-up.
 */
async function volumeCode(root: StateRoot) {
  const [{ dropVolumes, resolveVolumes }, { VolumeStore }, { copyUp }] = await Promise.all([
    import("./volume_mounts.ts"),
    import("../volume/store.ts"),
    import("../volume/copy_up.ts"),
  ]);
  return { store: new VolumeStore(root), dropVolumes, resolveVolumes, copyUp };
}

async function create(root: StateRoot, spec: CreateSpec, kernel: Kernel): Promise<ContainerRecord> {
  const image = new ImageStore(root).resolve(spec.image);
  const { entrypoint, args } = commandOf(spec, image.config ?? {});
  const cmd = [...(entrypoint ?? []), ...args];
  if (cmd.length === 0) {
    throw new UserError("Error response from daemon: No command specified");
  }
  // The network stack is loaded only for a container that joins a network.
  if (!isPseudoNetwork(spec.networkMode)) {
    (await import("./container_network.ts")).checkNetworkRequest(root, spec);
  }
  checkBindSources(spec.binds);
  const security = spec.security ?? DEFAULT_SECURITY;
  // A bad profile is refused now, in one line, not at start (as Docker).
  if (typeof security.seccomp === "object") {
    await seccompFromUserProfile(security.seccomp.profile, capabilityList(security));
  }
  const id = newId();
  const hostNetwork = spec.networkMode === "host";
  // Docker: a container on the host's network has the host's name unless given one.
  const hostname = spec.hostname ?? (hostNetwork ? Deno.hostname() : id.slice(0, 12));
  const { name, volumeLabels, entrypoint: _, ...rest } = spec;
  const stopSignal = spec.stopSignal ?? image.config?.stopSignal;
  const config: ContainerConfig = {
    ...rest,
    imageId: image.id,
    cmd,
    ...(entrypoint ? { entrypoint } : {}),
    hostname,
    workingDir: spec.workingDir ?? image.config?.workingDir ?? "/",
    env: configEnv(image.config?.env ?? [], spec.env),
    security: withImageUser(security, image.config?.user),
    ...(stopSignal ? { stopSignal } : {}),
    binds: [...spec.binds, ...imageVolumes(spec.binds, image.config?.volumes)],
  };
  const volumePaths = [
    ...Object.keys(image.config?.volumes ?? {}),
    ...spec.binds.filter((b) => b.anonymous && !b.viaMountFlag).map((b) => b.destination),
  ];
  if (volumePaths.length) config.volumes = [...new Set(volumePaths)];
  const healthcheck = healthcheckOf(spec.healthcheck, image.config?.healthcheck);
  if (healthcheck) config.healthcheck = healthcheck;
  const store = new ContainerStore(root);
  // Under the volumes lock until the record mounting them exists: `volume rm` sees it.
  let madeVolumes: string[] = [];
  // Only a container that mounts volumes needs the volumes lock (and its sweep),
  // and their code (the volume store, copy-up), loaded for it only.
  const mountsVolumes = config.binds.some((b) => b.volume !== undefined || b.anonymous);
  const volumes = mountsVolumes ? await volumeCode(root) : undefined;
  const underVolumesLock = <T>(fn: () => T): T => volumes ? volumes.store.locked(fn) : fn();
  const record = underVolumesLock(() => {
    const resolved = volumes?.resolveVolumes(root, config.binds, volumeLabels) ??
      { binds: config.binds, made: [] };
    madeVolumes = resolved.made;
    try {
      if (volumes) {
        const layers = new ImageStore(root).layerDirs(image.id);
        for (const b of resolved.binds) {
          if (b.copyUp && b.volume !== undefined) {
            volumes.copyUp(kernel, layers, b.destination, b.source);
          }
        }
      }
      return store.create(
        {
          id,
          created: new Date().toISOString(),
          config: { ...config, binds: resolved.binds },
          state: createdState(),
        },
        name,
      );
    } catch (err) {
      volumes?.dropVolumes(root, madeVolumes);
      throw err;
    }
  });
  try {
    const p = containerPaths(root, id);
    for (const dir of [p.upper, p.work, p.merged]) Deno.mkdirSync(dir, { mode: 0o755 });
    // Docker's mark of a container, an empty file at / (kept out of commits, as Docker's init layer).
    Deno.writeFileSync(`${p.upper}/.dockerenv`, new Uint8Array(), { mode: 0o755 });
    Deno.chmodSync(`${p.upper}/.dockerenv`, 0o755);
    // Docker's init layer: /etc/mtab a link to /proc/mounts, over the image's (kept out of commits).
    Deno.mkdirSync(`${p.upper}/etc`, { recursive: true, mode: 0o755 });
    for (const [path, target] of Object.entries(ENGINE_SYMLINKS)) {
      Deno.symlinkSync(target, `${p.upper}/${path}`);
    }
    Deno.writeTextFileSync(p.hostname, `${hostname}\n`, { mode: 0o644 });
    Deno.writeTextFileSync(p.resolvConf, resolvConfWith(resolvConf(hostNetwork), spec.dns), {
      mode: 0o644,
    });
    const hosts = hostNetwork
      ? hostFile("/etc/hosts") +
        extraHostsEntries(spec.extraHosts).map((e) => `${e.ip}\t${e.names.join(" ")}\n`).join("")
      : "";
    Deno.writeTextFileSync(p.hosts, hosts, { mode: 0o644 });
  } catch (err) {
    store.delete(id);
    if (volumes && madeVolumes.length) {
      volumes.store.locked(() => volumes.dropVolumes(root, madeVolumes));
    }
    throw err;
  }
  recordEvent(root, "create", eventSubject(record));
  return record;
}
