/**
 * dockergsh benchmarks: start latency, footprint and scale, each against a
 * peer measured in the same run on the same machine, printed as medians and
 * a ratio. Exits non-zero only when something failed to run, never on a
 * slow figure.
 *
 *     make bench             (builds ./dockergsh first; deno task bench uses the last build)
 *     BENCH_ONLY=7 make bench   (only the steps whose name starts with "7")
 *
 * @module
 */

import { removeNetwork } from "../src/container/container_network.ts";
import { NetworkStore } from "../src/network/network_store.ts";
import { StateRoot } from "../src/store/paths.ts";
import { compare, median, pidsMatching, pssKb, timeOnce } from "./_measure.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 20);
/** The executable users run: `make build`'s (compiled, or the bundle under the pinned Deno). */
const DOCKERGSH = new URL("../dockergsh", import.meta.url).pathname;
const TAR = new URL("../fixtures/busybox.tar", import.meta.url).pathname;
const DENO = Deno.execPath();

const root = await Deno.makeTempDir({ prefix: "dgsh-bench-" });
const dgsh = (...args: string[]) => [DOCKERGSH, "--root", root, ...args];
let failures = 0;

async function sh(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

function report(what: string, ours: number[], peerName: string, peer: number[], target: string) {
  const a = median(ours);
  const b = median(peer);
  console.log(
    `${what}: dockergsh ${a.toFixed(1)} ms, ${peerName} ${b.toFixed(1)} ms, ratio ${
      (a / b).toFixed(2)
    }x (target ${target}; medians of ${ours.length})`,
  );
}

/** `BENCH_ONLY=7` runs only the steps whose name starts with it. */
const ONLY = Deno.env.get("BENCH_ONLY");

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  if (ONLY !== undefined && !name.startsWith(ONLY)) return;
  try {
    await fn();
  } catch (err) {
    failures++;
    console.log(`${name}: FAILED to run: ${err instanceof Error ? err.message : err}`);
  }
}

/**
 * The real Docker engine of `../shared/peers/docker-peer.sh`, started if
 * this machine has the script: the argv prefix of its CLI, or undefined
 * (with the reason printed) when there is none.
 */
async function dockerPeer(): Promise<string[] | undefined> {
  const script = new URL("../../shared/peers/docker-peer.sh", import.meta.url).pathname;
  try {
    Deno.statSync(script);
  } catch {
    console.log(`1c. docker: skipped (no ${script} on this machine)`);
    return undefined;
  }
  const start = await sh([script, "start"]);
  const env = await sh([script, "env"]);
  if (start.code !== 0 || env.code !== 0) {
    console.log(
      `1c. docker: skipped (${script} start failed: ${start.err.trim().split("\n").at(-1)})`,
    );
    return undefined;
  }
  const vars = Object.fromEntries(
    [...env.out.matchAll(/^export (\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]),
  );
  return [
    "env",
    `DOCKER_HOST=${vars.DOCKER_HOST}`,
    `DOCKER_CONFIG=${vars.DOCKER_CONFIG}`,
    vars.PEER_DOCKER ?? "docker",
  ];
}

/** runc from Debian, and an OCI bundle of the same busybox rootfs running /bin/true. */
async function runcBundle(): Promise<string | undefined> {
  if ((await sh(["sh", "-c", "command -v runc"])).code !== 0) {
    const inst = await sh(["apt-get", "install", "-y", "-qq", "runc"]);
    if (inst.code !== 0) {
      console.log(
        `runc: skipped (apt-get install runc failed: ${inst.err.trim().split("\n").at(-1)})`,
      );
      return undefined;
    }
  }
  const bundle = `${root}/bundle`;
  await Deno.mkdir(`${bundle}/rootfs`, { recursive: true });
  if ((await sh(["tar", "-xf", TAR, "-C", `${bundle}/rootfs`])).code !== 0) {
    throw new Error("untar");
  }
  if ((await sh(["runc", "spec", "--bundle", bundle])).code !== 0) throw new Error("runc spec");
  const spec = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
  spec.process.terminal = false;
  spec.process.args = ["/bin/true"];
  spec.root.readonly = false;
  await Deno.writeTextFile(`${bundle}/config.json`, JSON.stringify(spec));
  return bundle;
}

/**
 * Row 6b: `exec CONTAINER true` against `runc exec` in a runc container of
 * the same rootfs (`sleep 600` in the bundle of row 1), in the same run.
 */
async function execAgainstRunc(running: string): Promise<void> {
  const dir = `${root}/bundle-exec`;
  await Deno.mkdir(dir, { recursive: true });
  const spec = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
  spec.root.path = `${bundle}/rootfs`;
  spec.process.args = ["sleep", "600"];
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(spec));
  const id = "bench-exec";
  const runcRoot = ["runc", "--root", `${root}/runc`];
  // Detached, its stdio nowhere: a pipe kept open by the container would never end.
  const started = await new Deno.Command(runcRoot[0], {
    args: [...runcRoot.slice(1), "run", "-d", "--bundle", dir, id],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  if (started.code !== 0) throw new Error(`runc run -d exited ${started.code}`);
  try {
    const e = await compare([
      { label: "exec", argv: () => dgsh("exec", running, "true") },
      { label: "runc", argv: () => [...runcRoot, "exec", id, "/bin/true"] },
    ], RUNS);
    report("6b. exec CONTAINER true", e.get("exec")!, "runc exec", e.get("runc")!, "<= 1.0x");
  } finally {
    await sh([...runcRoot, "delete", "--force", id]);
  }
}

console.log(
  `dockergsh bench, ${
    new Date().toISOString()
  }, ${Deno.build.target}, ${navigator.hardwareConcurrency} CPUs`,
);
const imp = await sh(dgsh("import", TAR, "busybox"));
if (imp.code !== 0) {
  console.log(`import failed: ${imp.err}`);
  Deno.exit(1);
}

const bundle = await runcBundle();
const runc = (
  i: number,
) => ["runc", "--root", `${root}/runc`, "run", "--bundle", bundle!, `bench-${i}`];
const crun = await sh(["sh", "-c", "command -v crun"]);
console.log(
  crun.code === 0
    ? "crun: skipped (refuses hybrid cgroups on these machines: 'cgroups in hybrid mode not supported')"
    : "crun: skipped (not installed; it refuses hybrid cgroups on these machines anyway)",
);
console.log(
  "podman: skipped (cannot set its default RLIMIT_NOFILE/NPROC here: no CAP_SYS_RESOURCE)",
);

if (bundle) {
  await step("1. run --rm --net none busybox true", async () => {
    const s = await compare([
      { label: "dgsh", argv: () => dgsh("run", "--rm", "--net", "none", "busybox", "true") },
      { label: "runc", argv: runc },
    ], RUNS);
    report(
      "1. run --rm --net none busybox true",
      s.get("dgsh")!,
      "runc run",
      s.get("runc")!,
      "<= 1.0x, milestone 1.5x",
    );
  });
  await step("1c. the Docker peer's docker run --rm --network none busybox true", async () => {
    const docker = await dockerPeer();
    if (!docker) return;
    const s = await compare([
      { label: "dgsh", argv: () => dgsh("run", "--rm", "--net", "none", "busybox", "true") },
      {
        label: "docker",
        argv: () => [...docker, "run", "--rm", "--network", "none", "busybox", "true"],
      },
    ], RUNS);
    report(
      "1c. run --rm --net none busybox true",
      s.get("dgsh")!,
      "docker run (Docker 20.10, the peer)",
      s.get("docker")!,
      "none: how far from Docker, measured",
    );
  });
  await step("1b. what the seccomp filter adds to run", async () => {
    const runWith = (...flags: string[]) => () =>
      dgsh("run", "--rm", "--net", "none", ...flags, "busybox", "true");
    const s = await compare([
      { label: "default", argv: runWith() },
      { label: "unconfined", argv: runWith("--security-opt", "seccomp=unconfined") },
    ], RUNS);
    const [a, b] = [median(s.get("default")!), median(s.get("unconfined")!)];
    console.log(
      `1b. run with Docker's seccomp filter ${a.toFixed(1)} ms, with seccomp=unconfined ` +
        `${b.toFixed(1)} ms: the filter adds ${(a - b).toFixed(1)} ms (medians of ${RUNS})`,
    );
  });
  await step("7. dockergsh-runc run vs runc run, the same bundle", async () => {
    const runtime = new URL("../dockergsh-runc", import.meta.url).pathname;
    const s = await compare([
      {
        label: "dgsh",
        argv: (i) => [runtime, "--root", `${root}/dgsh-runc`, "run", "--bundle", bundle, `b-${i}`],
      },
      { label: "runc", argv: (i) => runc(i + 20_000) },
    ], RUNS);
    report(
      "7. dockergsh-runc run (bundle, /bin/true)",
      s.get("dgsh")!,
      "runc run",
      s.get("runc")!,
      "none",
    );
  });
  await step("2. run --rm busybox true (default bridge)", async () => {
    const s = await compare([
      { label: "dgsh", argv: () => dgsh("run", "--rm", "busybox", "true") },
      { label: "runc", argv: (i) => runc(i + 10_000) },
    ], RUNS);
    report(
      "2. run --rm busybox true, bridge",
      s.get("dgsh")!,
      "runc run",
      s.get("runc")!,
      "<= 1.2x",
    );
  });
}

const empty = `${root}/empty.ts`;
await Deno.writeTextFile(empty, "");
const denoEmpty = () => [DENO, "run", "--quiet", empty];

await step("3a. ps -a, 0 containers", async () => {
  const s = await compare([
    { label: "ps", argv: () => dgsh("ps", "-a") },
    { label: "deno", argv: denoEmpty },
  ], RUNS);
  report("3a. ps -a with 0 containers", s.get("ps")!, "empty deno run", s.get("deno")!, "<= 1.2x");
});

await step("4/3b. detached containers", async () => {
  const ids: string[] = [];
  const monitorPss = () => pidsMatching("monitor", root).reduce((sum, pid) => sum + pssKb(pid), 0);
  for (const n of [1, 10]) {
    while (ids.length < n) {
      const r = await sh(dgsh("run", "-d", "--net", "none", "busybox", "sleep", "600"));
      if (r.code !== 0) throw new Error(r.err);
      ids.push(r.out.trim());
    }
    await new Promise((r) => setTimeout(r, 500));
    const kb = monitorPss();
    console.log(
      `4. host memory kept per detached container at ${n}: ${(kb / n / 1024).toFixed(2)} MiB ` +
        `(monitor PSS ${(kb / 1024).toFixed(1)} MiB / ${n}; target <= 3 MiB at 10)`,
    );
  }
  while (ids.length < 50) {
    const r = await sh(dgsh("create", "busybox", "true"));
    if (r.code !== 0) throw new Error(r.err);
    ids.push(r.out.trim());
  }
  const s = await compare([
    { label: "ps", argv: () => dgsh("ps", "-a") },
    { label: "deno", argv: denoEmpty },
  ], RUNS);
  report("3b. ps -a with 50 containers", s.get("ps")!, "empty deno run", s.get("deno")!, "<= 1.2x");

  const running = ids[0];
  const pid = JSON.parse(
    await Deno.readTextFile(`${root}/containers/${running}/config.json`),
  ).state.pid;
  const e = await compare([
    { label: "exec", argv: () => dgsh("exec", running, "true") },
    { label: "nsenter", argv: () => ["nsenter", "-t", String(pid), "-a", "true"] },
  ], RUNS);
  report("6. exec CONTAINER true", e.get("exec")!, "nsenter -a", e.get("nsenter")!, "none");
  if (bundle) await execAgainstRunc(running);
  const rm = await sh(dgsh("rm", "-f", ...ids));
  if (rm.code !== 0) throw new Error(rm.err);
});

await step("5. 50 concurrent run -d on one network", async () => {
  const net = await sh(dgsh("network", "create", "--subnet", "10.213.0.0/24", "benchnet"));
  if (net.code !== 0) throw new Error(net.err);
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from(
      { length: 50 },
      () => sh(dgsh("run", "-d", "--net", "benchnet", "busybox", "sleep", "600")),
    ),
  );
  const wall = performance.now() - t0;
  const ok = runs.filter((r) => r.code === 0).map((r) => r.out.trim());
  const ips = new Set(
    ok.map((id) =>
      JSON.parse(Deno.readTextFileSync(`${root}/containers/${id}/config.json`)).endpoint?.ipAddress
    ),
  );
  console.log(
    `5. 50 concurrent run -d: ${ok.length}/50 succeeded, ${ips.size} distinct IPs, wall ${
      (wall / 1000).toFixed(2)
    } s`,
  );
  const t1 = performance.now();
  const rm = await sh(dgsh("rm", "-f", ...ok));
  const left = (await sh(["sh", "-c", `ip -o link | grep -c veth || true`])).out.trim();
  console.log(
    `5. rm -f of all 50: ${rm.code === 0 ? "ok" : "FAILED"}, wall ${
      ((performance.now() - t1) / 1000).toFixed(2)
    } s, veths left: ${left}`,
  );
  await sh(dgsh("network", "rm", "benchnet"));
  if (ok.length !== 50 || ips.size !== 50 || rm.code !== 0) failures++;
});

/** The registry harness beside the repository (shared/registry), started if it is not; its env.sh. */
async function registryEnv(): Promise<Record<string, string>> {
  const script = new URL("../../shared/registry/registry.sh", import.meta.url).pathname;
  const started = await sh([script, "start"]);
  if (started.code !== 0) throw new Error(`registry harness: ${started.err.trim()}`);
  const dir = Deno.env.get("REGISTRY_HARNESS_DIR") ?? "/var/tmp/dgsh-registry-harness";
  const env: Record<string, string> = {};
  for (const line of (await Deno.readTextFile(`${dir}/run/env.sh`)).split("\n")) {
    const m = line.match(/^export ([A-Z_]+)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

await step("7. pull of the 200 MiB image", async () => {
  const reg = await registryEnv();
  const image = `${reg.REG_PLAIN}/library/big:1`;
  const runs = Number(Deno.env.get("BENCH_PULL_RUNS") ?? 5);
  // skopeo with a HOME of its own: its blob-info cache stays out of /var/lib/containers.
  const skopeoEnv = { HOME: `${root}/skopeo-home`, _CONTAINERS_ROOTLESS_UID: "65534" };
  const ours: number[] = [];
  const peer: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const pullRoot = `${root}/pull-${i}`;
    const dir = `${root}/skopeo-${i}`;
    const a = await timeOnce([DOCKERGSH, "--root", pullRoot, "pull", "-q", image]);
    const c = await timeOnce([
      DOCKERGSH,
      "--root",
      pullRoot,
      "run",
      "--rm",
      "--net",
      "none",
      image,
      "true",
    ]);
    const b = await timeOnce(
      [
        "skopeo",
        "--insecure-policy",
        "copy",
        "-q",
        "--src-tls-verify=false",
        `docker://${image}`,
        `dir:${dir}`,
      ],
      skopeoEnv,
    );
    // The first round warms the registry's and the page cache's view of the blob.
    if (i > 0) {
      ours.push(a);
      peer.push(b);
      cold.push(c);
    }
    await timeOnce(["rm", "-rf", pullRoot, dir]);
  }
  report(
    "7. pull 200 MiB image (download, verify, gunzip, extract)",
    ours,
    "skopeo copy docker:// dir: (download, verify)",
    peer,
    "<= 1.0x",
  );
  console.log(
    `7b. cold run --rm of the pulled image: ${median(cold).toFixed(1)} ms (median of ${runs})`,
  );
});

// The default network made by step 2 (the CLI refuses to remove `bridge`).
const stateRoot = new StateRoot(root);
for (const net of new NetworkStore(stateRoot).list()) removeNetwork(stateRoot, net.name);
await timeOnce(["rm", "-rf", root]).catch(() => {});
Deno.exit(failures === 0 ? 0 : 1);
