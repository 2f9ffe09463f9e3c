/**
 * `dockergsh info [--format T]`: the engine's state and the host it runs
 * on, with the fields of Docker's `info` that mean something here
 * (containers by state, images, storage, cgroups, kernel, OS, CPUs,
 * memory, root directory), under Docker's names.
 *
 * @module
 */

import { detectCgroupLayout } from "../../cgroup/detect.ts";
import { ContainerStore } from "../../container/store.ts";
import { statusWord } from "../../container/state.ts";
import { ImageStore } from "../../image/store.ts";
import type { StateRoot } from "../../store/paths.ts";
import type { Command, CommandContext } from "../command.ts";
import { compileFormat } from "../_format_output.ts";
import { VERSION } from "../version.ts";

/** go-units BytesSize: binary units, 4 significant digits ("23.54GiB"). */
export function bytesSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${Number(size.toPrecision(4))}${units[unit]}`;
}

/** The filesystem type of the mount holding `path` (the longest mount point prefix). */
function fsTypeOf(path: string): string {
  let best = { point: "", type: "unknown" };
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const point = left.split(" ")[4];
    const within = path === point || path.startsWith(point === "/" ? "/" : `${point}/`);
    if (within && point.length >= best.point.length) best = { point, type: right.split(" ")[0] };
  }
  return best.type;
}

/** Docker's name for a backing filesystem. */
function backingFs(type: string): string {
  return /^ext[234]$/.test(type) ? "extfs" : type;
}

function osName(): string {
  try {
    const text = Deno.readTextFileSync("/etc/os-release");
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

function memTotal(): number {
  const text = Deno.readTextFileSync("/proc/meminfo");
  return Number(/^MemTotal:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
}

function cpuCount(): number {
  return Deno.readTextFileSync("/proc/cpuinfo").split("\n")
    .filter((l) => /^processor\s*:/.test(l)).length;
}

/** The machine's ID (systemd's /etc/machine-id), or "" where there is none. */
function machineId(): string {
  try {
    return Deno.readTextFileSync("/etc/machine-id").trim();
  } catch {
    return "";
  }
}

/**
 * The engine's ID in Docker's shape (12 groups of 4 base32 characters):
 * Docker's is its key's fingerprint; this one is the sha256 of the
 * machine's ID and the state root's path, the same for every run on them.
 */
async function engineId(root: StateRoot): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${machineId()}\0${root.root}`)),
  );
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const b of digest.subarray(0, 30)) bits += b.toString(2).padStart(8, "0");
  const chars = Array.from(
    { length: 48 },
    (_, i) => alphabet[parseInt(bits.slice(i * 5, i * 5 + 5), 2)],
  );
  return Array.from({ length: 12 }, (_, i) => chars.slice(i * 4, i * 4 + 4).join("")).join(":");
}

/** The object `--format` templates see, with Docker's key names. */
export async function engineInfo(
  root: StateRoot,
  ctx: Pick<CommandContext, "debug" | "insecureRegistries">,
) {
  const statuses = new ContainerStore(root).list().map((r) => statusWord(r.state));
  const count = (s: string) => statuses.filter((x) => x === s).length;
  const cgroups = detectCgroupLayout();
  return {
    ID: await engineId(root),
    Containers: statuses.length,
    ContainersRunning: count("running"),
    ContainersPaused: count("paused"),
    ContainersStopped: count("exited") + count("created"),
    Images: new ImageStore(root).list().length,
    Driver: "overlay2",
    DriverStatus: [["Backing Filesystem", backingFs(fsTypeOf(root.root))], [
      "Supports d_type",
      "true",
    ]],
    CgroupDriver: "cgroupfs",
    CgroupVersion: cgroups.version === "v1" ? "1" : "2",
    KernelVersion: Deno.osRelease(),
    OperatingSystem: osName(),
    OSType: "linux",
    Architecture: Deno.build.arch,
    NCPU: cpuCount(),
    MemTotal: memTotal(),
    Name: Deno.hostname(),
    DockerRootDir: root.root,
    Debug: ctx.debug,
    ServerVersion: VERSION,
    SecurityOptions: ["name=seccomp,profile=default"],
    InsecureRegistries: ctx.insecureRegistries,
    LiveRestoreEnabled: false,
  };
}

function text(i: Awaited<ReturnType<typeof engineInfo>>): string {
  return [
    "Client:",
    " Context:    default",
    ` Debug Mode: ${i.Debug}`,
    "",
    "Server:",
    ` Containers: ${i.Containers}`,
    `  Running: ${i.ContainersRunning}`,
    `  Paused: ${i.ContainersPaused}`,
    `  Stopped: ${i.ContainersStopped}`,
    ` Images: ${i.Images}`,
    ` Server Version: ${i.ServerVersion}`,
    ` Storage Driver: ${i.Driver}`,
    ...i.DriverStatus.map(([k, v]) => `  ${k}: ${v}`),
    ` Cgroup Driver: ${i.CgroupDriver}`,
    ` Cgroup Version: ${i.CgroupVersion}`,
    " Plugins:",
    "  Network: bridge host null",
    " Security Options:",
    "  seccomp",
    "   Profile: default",
    ` Kernel Version: ${i.KernelVersion}`,
    ` Operating System: ${i.OperatingSystem}`,
    ` OSType: ${i.OSType}`,
    ` Architecture: ${i.Architecture}`,
    ` CPUs: ${i.NCPU}`,
    ` Total Memory: ${bytesSize(i.MemTotal)}`,
    ` Name: ${i.Name}`,
    ` ID: ${i.ID}`,
    ` Docker Root Dir: ${i.DockerRootDir}`,
    ` Debug Mode: ${i.Debug}`,
    ...(i.InsecureRegistries.length
      ? [" Insecure Registries:", ...i.InsecureRegistries.map((r) => `  ${r}`)]
      : []),
    ` Live Restore Enabled: ${i.LiveRestoreEnabled}`,
  ].join("\n");
}

/** The `info` command. */
export const command: Command = {
  name: "info",
  usage: "info [OPTIONS]",
  summary: "Display system-wide information",
  flags: [{
    long: "format",
    short: "f",
    kind: "string",
    help: "Format the output using the given Go template",
  }],
  maxArgs: 0,
  async run(ctx, flags) {
    const format = flags.strings.get("format");
    const info = await engineInfo(ctx.root, ctx);
    const render = format === undefined
      ? text
      : compileFormat(format, {}, "template parsing error", 64);
    console.log(render(info));
    return 0;
  },
};
