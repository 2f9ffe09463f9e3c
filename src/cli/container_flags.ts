/**
 * The flags of `run` and `create`, and the container they describe.
 *
 * @module
 */

import type { CreateSpec } from "../container/container_create.ts";
import { UserError } from "../errors.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";
import { NETWORK_FLAGS, networkFromFlags } from "./network_flags.ts";
import { RESOURCE_FLAGS, resourcesFromFlags } from "./resource_flags.ts";
import { HEALTH_FLAGS, healthFromFlags } from "./health_flags.ts";
import { dnsFromFlags, parseAddHost } from "./hosts_flags.ts";
import { LIFECYCLE_FLAGS, lifecycleFromFlags } from "./lifecycle_flags.ts";
import { parseMount } from "./mount_flag.ts";
import { labelsFrom, parseEnv, parseVolume, readEnvFile } from "./run_flags.ts";
import { SECURITY_FLAGS, securityFromFlags } from "./security_flags.ts";
import { withDockerRunHelp } from "./_docker_run_help.ts";

/** Flags shared by `run` and `create`. */
export const CONTAINER_FLAGS: FlagSpec[] = withDockerRunHelp([
  {
    long: "pull",
    kind: "string",
    help: 'Pull image before running ("always", "missing", "never") (default "missing")',
  },
  { long: "interactive", short: "i", kind: "bool", help: "Keep STDIN open" },
  { long: "tty", short: "t", kind: "bool", help: "Allocate a pseudo-TTY" },
  { long: "name", kind: "string", help: "Assign a name to the container" },
  { long: "env", short: "e", kind: "list", help: "Set environment variables" },
  { long: "env-file", kind: "list", help: "Read in a file of environment variables" },
  { long: "entrypoint", kind: "string", help: "Overwrite the default ENTRYPOINT of the image" },
  { long: "label", short: "l", kind: "list", help: "Set meta data on a container" },
  { long: "label-file", kind: "list", help: "Read in a line delimited file of labels" },
  {
    long: "volume",
    short: "v",
    kind: "list",
    help: "Bind mount a volume (HOST:CONTAINER[:MODE], NAME:CONTAINER[:MODE] or CONTAINER)",
  },
  {
    long: "mount",
    kind: "list",
    help: "Attach a filesystem mount to the container (type=bind|volume|tmpfs,…)",
  },
  { long: "add-host", kind: "list", help: "Add a custom host-to-IP mapping (host:ip)" },
  { long: "dns", kind: "list", help: "Set custom DNS servers" },
  { long: "dns-search", kind: "list", help: "Set custom DNS search domains" },
  {
    long: "dns-option",
    kind: "list",
    aliases: ["dns-opt"],
    help: "Set DNS options",
  },
  { long: "rm", kind: "bool", help: "Automatically remove the container when it exits" },
  { long: "hostname", short: "h", kind: "string", help: "Container host name" },
  { long: "workdir", short: "w", kind: "string", help: "Working directory inside the container" },
  ...LIFECYCLE_FLAGS,
  ...HEALTH_FLAGS,
  ...NETWORK_FLAGS,
  ...RESOURCE_FLAGS,
  ...SECURITY_FLAGS,
]);

/** The container the flags and positionals describe. */
export function specFromFlags(flags: ParsedFlags): CreateSpec {
  const [image, ...cmd] = flags.positionals;
  const workingDir = flags.strings.get("workdir");
  if (workingDir !== undefined && !workingDir.startsWith("/")) {
    throw new UserError(
      `dockergsh: Error response from daemon: the working directory '${workingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  const list = (name: string) => flags.lists.get(name) ?? [];
  // Docker: the env files first, then each -e.
  const env = [
    ...list("env-file").flatMap(readEnvFile),
    ...list("env").map(parseEnv).filter((e): e is string => e !== undefined),
  ];
  const mounts = list("mount").map(parseMount);
  const security = securityFromFlags(flags);
  const tmpfsMounts = mounts.flatMap((m) => m.kind === "tmpfs" ? [m.tmpfs] : []);
  const entrypoint = flags.strings.get("entrypoint");
  const labels = labelsFrom(list("label-file"), list("label"));
  const dns = dnsFromFlags(flags);
  const healthcheck = healthFromFlags(flags);
  return {
    image,
    cmd,
    // `--entrypoint ""` clears the image's; one word otherwise, not split (as Docker).
    ...(entrypoint !== undefined ? { entrypoint: entrypoint === "" ? [] : [entrypoint] } : {}),
    name: flags.strings.get("name"),
    hostname: flags.strings.get("hostname"),
    workingDir,
    env,
    tty: flags.bools.has("tty"),
    openStdin: flags.bools.has("interactive"),
    detach: flags.bools.has("detach"),
    autoRemove: flags.bools.has("rm"),
    binds: [
      ...list("volume").map(parseVolume),
      ...mounts.flatMap((m) => m.kind === "tmpfs" ? [] : [m.mount]),
    ],
    volumeLabels: Object.fromEntries(
      mounts.flatMap((m) =>
        m.kind === "volume" && m.mount.volume ? [[m.mount.volume, m.volumeLabels]] : []
      ),
    ),
    resources: resourcesFromFlags(flags),
    security: tmpfsMounts.length
      ? { ...security, tmpfs: [...security.tmpfs, ...tmpfsMounts] }
      : security,
    labels,
    extraHosts: list("add-host").map(parseAddHost),
    ...(dns ? { dns } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    ...lifecycleFromFlags(flags),
    ...networkFromFlags(flags),
  };
}
