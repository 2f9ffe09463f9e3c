/**
 * Runtime tests: a throw-away OCI bundle (a busybox root filesystem and a
 * config.json shaped as containerd writes it), a runtime root, and
 * `dockergsh runc …` run as a subprocess of this checkout's main.ts.
 * Containers get a cgroup inside this test run's own (TEST_CGROUP_PARENT).
 *
 * @module
 */

import type { Spec } from "../../src/oci/spec.ts";
import { MAIN, mountsUnder, removeTestCgroupParent, TEST_CGROUP_PARENT } from "../_harness.ts";
import { assertEquals } from "../_assert.ts";

const BUSYBOX = new URL("../../fixtures/busybox", import.meta.url).pathname;
const APPLETS = [
  "sh",
  "sleep",
  "cat",
  "echo",
  "id",
  "hostname",
  "ls",
  "tty",
  "grep",
  "umask",
  "stty",
];

/** What a runtime call printed and returned. */
export interface RuncResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** containerd's default config.json (1.6, `ctr run`), running `args`. */
export function defaultSpec(id: string, args: string[]): Spec {
  const caps = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
  ];
  return {
    ociVersion: "1.0.2-dev",
    process: {
      user: { uid: 0, gid: 0 },
      args,
      env: ["PATH=/bin"],
      cwd: "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs" },
    mounts: [
      {
        destination: "/proc",
        type: "proc",
        source: "proc",
        options: ["nosuid", "noexec", "nodev"],
      },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
      },
      {
        destination: "/sys",
        type: "sysfs",
        source: "sysfs",
        options: ["nosuid", "noexec", "nodev", "ro"],
      },
    ],
    linux: {
      cgroupsPath: `${TEST_CGROUP_PARENT}/rt-${id}`,
      namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, {
        type: "network",
      }],
      maskedPaths: ["/proc/kcore", "/sys/firmware"],
      readonlyPaths: ["/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

/** A bundle and a runtime root in one temporary directory. */
export class TestBundle {
  readonly bundle: string;
  readonly root: string;
  readonly rootfs: string;

  private constructor(readonly dir: string) {
    this.bundle = `${dir}/bundle`;
    this.root = `${dir}/runtime-root`;
    this.rootfs = `${this.bundle}/rootfs`;
  }

  /** A bundle whose config.json is `spec`. */
  static create(spec: Spec): TestBundle {
    const t = new TestBundle(Deno.makeTempDirSync({ prefix: "dgsh-rt-" }));
    for (const d of ["bin", "proc", "sys", "dev", "tmp", "etc"]) {
      Deno.mkdirSync(`${t.rootfs}/${d}`, { recursive: true });
    }
    Deno.copyFileSync(BUSYBOX, `${t.rootfs}/bin/busybox`);
    Deno.chmodSync(`${t.rootfs}/bin/busybox`, 0o755);
    for (const a of APPLETS) Deno.symlinkSync("busybox", `${t.rootfs}/bin/${a}`);
    t.writeSpec(spec);
    return t;
  }

  /** Replaces config.json. */
  writeSpec(spec: Spec): void {
    Deno.writeTextFileSync(`${this.bundle}/config.json`, JSON.stringify(spec));
  }

  /**
   * `dockergsh runc --root <root> …args`. For create, run and exec --detach
   * stdio are /dev/null: the container's process keeps the runtime's, so a
   * pipe would stay open while it lives.
   * Errors are read from the JSON log instead (`lastError`).
   */
  runc(...args: string[]): Promise<RuncResult> {
    return this.runcWithStdin(undefined, ...args);
  }

  /** argv of `dockergsh runc --root <root> --log … …args`, for a test that runs it under another program. */
  runcArgv(...args: string[]): string[] {
    return [
      Deno.execPath(),
      "run",
      "--allow-all",
      "--quiet",
      MAIN,
      "runc",
      "--root",
      this.root,
      "--log",
      `${this.dir}/log.json`,
      "--log-format",
      "json",
      ...args,
    ];
  }

  /** `runc(...args)` with `stdin` as its standard input. */
  async runcWithStdin(stdin: string | undefined, ...args: string[]): Promise<RuncResult> {
    const detached = args[0] === "create" || args[0] === "run" ||
      (args[0] === "exec" && args.includes("--detach"));
    const [program, ...argv] = this.runcArgv(...args);
    const child = new Deno.Command(program, {
      args: argv,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: detached ? "null" : "piped",
      stderr: detached ? "null" : "piped",
    }).spawn();
    if (stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(stdin));
      await w.close();
    }
    if (detached) return { code: (await child.status).code, stdout: "", stderr: "" };
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  }

  /** `create --bundle … --pid-file …` of `id`; the init's PID. */
  async create(id: string, ...flags: string[]): Promise<number> {
    const pidFile = `${this.dir}/${id}.pid`;
    const r = await this.runc(
      "create",
      "--bundle",
      this.bundle,
      "--pid-file",
      pidFile,
      ...flags,
      id,
    );
    if (r.code !== 0) throw new Error(`create failed: ${this.lastError()}`);
    const text = Deno.readTextFileSync(pidFile);
    assertEquals(/^[0-9]+$/.test(text), true, `pid file ${JSON.stringify(text)}`);
    return Number(text);
  }

  /** The runtime-spec state of `id`. */
  async state(id: string): Promise<Record<string, unknown>> {
    const r = await this.runc("state", id);
    if (r.code !== 0) throw new Error(`state failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** The log's last `error` line, parsed. */
  lastErrorLine(): { level: string; msg: string; time: string } | undefined {
    let text = "";
    try {
      text = Deno.readTextFileSync(`${this.dir}/log.json`);
    } catch {
      return undefined;
    }
    const lines = text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));
    return lines.filter((l) => l.level === "error").pop();
  }

  /** The last error's message ("" if none). */
  lastError(): string {
    return this.lastErrorLine()?.msg ?? "";
  }

  /** Force-deletes every container, removes everything, and checks nothing is left mounted. */
  async cleanup(): Promise<void> {
    let ids: string[] = [];
    try {
      // Not the runtime's seccomp cache, `@seccomp`.
      ids = [...Deno.readDirSync(this.root)].map((e) => e.name).filter((n) => !n.startsWith("@"));
    } catch {
      // No container was ever made.
    }
    for (const id of ids) await this.runc("delete", "--force", id);
    removeTestCgroupParent();
    Deno.removeSync(this.dir, { recursive: true });
    assertEquals(mountsUnder(this.dir), [], "mounts left behind");
  }
}

/** Runs `fn` with a bundle of `spec` and always cleans up. */
export async function withBundle(spec: Spec, fn: (t: TestBundle) => Promise<void>): Promise<void> {
  const t = TestBundle.create(spec);
  try {
    await fn(t);
  } finally {
    await t.cleanup();
  }
}

/** A line of /proc/<pid>/status, e.g. `CapEff`. */
export function procStatus(pid: number, key: string): string {
  const line = Deno.readTextFileSync(`/proc/${pid}/status`).split("\n")
    .find((l) => l.startsWith(`${key}:`));
  return line?.slice(key.length + 1).trim() ?? "";
}

/** The v1 (or v2) cgroup directory of a controller for `id`'s container. */
export function cgroupDir(controller: string, id: string): string {
  const v1 = `/sys/fs/cgroup/${controller}${TEST_CGROUP_PARENT}/rt-${id}`;
  try {
    Deno.statSync(v1);
    return v1;
  } catch {
    return `/sys/fs/cgroup${TEST_CGROUP_PARENT}/rt-${id}`;
  }
}
