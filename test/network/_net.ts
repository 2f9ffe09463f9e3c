/**
 * Helpers for network tests on the real kernel: temporary state roots,
 * throw-away network namespaces (`unshare --net sleep`), fake running
 * container records, and plain reads of what the kernel holds.
 *
 * @module
 */

import { processStartTime } from "../../src/process/proc.ts";
import {
  type ContainerRecord,
  createdState,
  type PortMapping,
} from "../../src/container/record.ts";
import { writeJsonAtomic } from "../../src/store/atomic.ts";
import { newId } from "../../src/store/ids.ts";
import { StateRoot } from "../../src/store/paths.ts";

/**
 * The static busybox `make` leaves beside the image (fixtures/busybox), for
 * ping, nc and httpd on the host side: the tests need no host busybox.
 */
export const BUSYBOX = new URL("../../fixtures/busybox", import.meta.url).pathname;

/** What a program printed and returned. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `program args…` to completion. */
export function run(program: string, args: string[]): Run {
  const out = new Deno.Command(program, { args, stdin: "null" }).outputSync();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Every `iptables -S` line (nat and filter) carrying the comment `dockergsh:<tag>`. */
export function rulesTagged(tag: string): string[] {
  return ["nat", "filter"].flatMap((t) =>
    run("iptables", ["-w", "-t", t, "-S"]).stdout.split("\n")
      .filter((l) => l.includes(`--comment "dockergsh:${tag}"`) || l.endsWith(`dockergsh:${tag}`))
  );
}

/** `ip -j link show dev name`, or undefined when there is no such device. */
export function link(name: string): Record<string, unknown> | undefined {
  const r = run("ip", ["-j", "link", "show", "dev", name]);
  return r.code === 0 ? JSON.parse(r.stdout)[0] : undefined;
}

/** The IPv4 addresses (`a.b.c.d/n`) of a device, read with `ip -j addr`. */
export function ipv4Of(addrJson: string, dev: string): string[] {
  const links = JSON.parse(addrJson) as {
    ifname: string;
    addr_info: { family: string; local: string; prefixlen: number }[];
  }[];
  return (links.find((l) => l.ifname === dev)?.addr_info ?? [])
    .filter((a) => a.family === "inet")
    .map((a) => `${a.local}/${a.prefixlen}`);
}

/** A process alone in a new network namespace. */
export class Sandbox {
  private constructor(private readonly child: Deno.ChildProcess) {}

  /** Starts `unshare --net sleep 60` and waits until it is in its own namespace. */
  static async start(): Promise<Sandbox> {
    const child = new Deno.Command("unshare", { args: ["--net", "sleep", "60"], stdin: "null" })
      .spawn();
    const own = Deno.readLinkSync("/proc/self/ns/net");
    for (let i = 0; i < 200; i++) {
      try {
        if (Deno.readLinkSync(`/proc/${child.pid}/ns/net`) !== own) return new Sandbox(child);
      } catch { /* not there yet */ }
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await child.status;
    throw new Error("unshare --net did not enter a new namespace");
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Runs `program args…` inside the sandbox's network namespace. */
  inside(program: string, args: string[]): Run {
    return run("nsenter", [`--net=/proc/${this.pid}/ns/net`, program, ...args]);
  }

  /** `GET /` of `host:port` from inside the namespace (the fixture's busybox nc): the whole HTTP response. */
  async httpGet(host: string, port: number): Promise<string> {
    const child = new Deno.Command("nsenter", {
      args: [`--net=/proc/${this.pid}/ns/net`, BUSYBOX, "nc", "-w", "2", host, String(port)],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
    await w.close();
    return new TextDecoder().decode((await child.output()).stdout);
  }

  /** Starts a long-running `program args…` inside the namespace; the caller kills it. */
  spawnInside(program: string, args: string[]): Deno.ChildProcess {
    return new Deno.Command("nsenter", {
      args: [`--net=/proc/${this.pid}/ns/net`, program, ...args],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  async stop(): Promise<void> {
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.child.status;
  }
}

/** A temporary state root; the test removes `root.root` when done. */
export function tempRoot(): StateRoot {
  return new StateRoot(Deno.makeTempDirSync({ prefix: "dgsh-net-" }));
}

/** A container record stored as running with `pid` as its process. */
export function runningRecord(
  root: StateRoot,
  opts: {
    name: string;
    pid: number;
    networkMode: string;
    ports?: PortMapping[];
    ipRequest?: string;
  },
): ContainerRecord {
  const rec: ContainerRecord = {
    id: newId(),
    name: opts.name,
    created: new Date().toISOString(),
    config: {
      image: "none",
      imageId: "",
      cmd: ["sleep"],
      env: [],
      hostname: opts.name,
      workingDir: "/",
      tty: false,
      openStdin: false,
      detach: true,
      autoRemove: false,
      binds: [],
      resources: {},
      networkMode: opts.networkMode,
      ports: opts.ports ?? [],
      ipRequest: opts.ipRequest,
    },
    state: {
      ...createdState(),
      status: "running",
      pid: opts.pid,
      pidStartTime: processStartTime(opts.pid)!,
      startedAt: new Date().toISOString(),
    },
  };
  saveRecord(root, rec);
  return rec;
}

/** Stores `rec` where ContainerStore reads it. */
export function saveRecord(root: StateRoot, rec: ContainerRecord): void {
  Deno.mkdirSync(root.container(rec.id), { recursive: true });
  writeJsonAtomic(`${root.container(rec.id)}/config.json`, rec);
}

/** An HTTP GET of `url` with a short timeout: the body, or undefined when it cannot connect. */
export async function fetchText(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

/** Waits until `url` answers (a server just started), or gives up after ~3 s. */
export async function waitFor(url: string): Promise<string | undefined> {
  for (let i = 0; i < 30; i++) {
    const body = await fetchText(url);
    if (body !== undefined) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
