/**
 * pull against a real registry (the shared harness): every flavour of it,
 * the unpacked root filesystems against images.md, layers shared between
 * images, bad digests, and run honouring a pulled image's config.
 */

import { MNT_DETACH } from "../../ffi/constants.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { eventually, type TestRoot, withRoot } from "../_harness.ts";
import { blobProxy, registry } from "./_registry.ts";

const BUSYBOX_SHA = "3d9f2889d6782537624a4e1a10e68a2ddd53e0ee8bac02676f27308f42ec6bf6";
const DIFF = {
  busybox: "sha256:8d0cb449ae8122c1020c2fa28098dd18e6ca585f20eca40d20fdb45dd7c8fa04",
  app: "sha256:9b1804d872fc1534300498ffe9f0efd33182790d2ac1e87a4d0f1ca87233a931",
  top1: "sha256:45d9c2841abc2d76d8caf7e4bb6b755ae3baa7ec859bdf1934a8d62ca0b3b500",
  top2: "sha256:0d47e35e747c9036986512a8341aef481db01af5c37008318e95ea0a358dec29",
};

async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", Deno.readFileSync(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function inspect(root: TestRoot, ref: string) {
  const r = await root.run("inspect", "--type", "image", ref);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

/** Runs `fn` on the image's merged tree: its layers mounted as a read-only overlay. */
async function withMerged(root: TestRoot, ref: string, fn: (dir: string) => void) {
  const data = (await inspect(root, ref)).GraphDriver.Data;
  const lower = [data.UpperDir, ...(data.LowerDir ? [data.LowerDir] : [])].join(":");
  const dir = Deno.makeTempDirSync({ prefix: "dgsh-merged-" });
  const kernel = new LinuxKernel();
  kernel.mount("overlay", dir, "overlay", 0, `lowerdir=${lower}`);
  try {
    fn(dir);
  } finally {
    kernel.umount2(dir, MNT_DETACH);
    Deno.removeSync(dir);
  }
}

function absent(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return false;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return true;
    throw err;
  }
}

/** Nothing half-made: no layer, no image, no scratch left. */
function leftovers(root: TestRoot): string[] {
  const out: string[] = [];
  for (const dir of ["layers", "tmp", "images"]) {
    try {
      for (const e of Deno.readDirSync(`${root.dir}/${dir}`)) out.push(`${dir}/${e.name}`);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return out;
}

Deno.test("pull: an OCI index from the plain registry, Docker's output, the amd64 rootfs, run", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const ref = `${reg.REG_PLAIN}/library/busybox`;
    const p = await root.run("pull", ref);
    assertEquals(p.code, 0, p.stderr);
    assertEquals(p.stdout.split("\n"), [
      "Using default tag: latest",
      "latest: Pulling from library/busybox",
      "d648b48e7ed8: Pulling fs layer",
      "d648b48e7ed8: Verifying Checksum",
      "d648b48e7ed8: Download complete",
      "d648b48e7ed8: Pull complete",
      "Digest: sha256:07c21a632db22103e5bb7159b50bb0f3f1bc129028ddf651f9383349d3f8d5ca",
      `Status: Downloaded newer image for ${ref}:latest`,
      `${ref}:latest`,
      "",
    ]);
    const again = await root.run("pull", ref);
    // As Docker's: an image that is here whole gets no layer lines.
    assertEquals(again.stdout.split("\n"), [
      "Using default tag: latest",
      "latest: Pulling from library/busybox",
      "Digest: sha256:07c21a632db22103e5bb7159b50bb0f3f1bc129028ddf651f9383349d3f8d5ca",
      `Status: Image is up to date for ${ref}:latest`,
      `${ref}:latest`,
      "",
    ]);
    const image = await inspect(root, ref);
    assertEquals(
      image.Id,
      "sha256:6bd507d5c49775948d49854361cc56f20d929657a7d6b057dc4da707366b411f",
    );
    assertEquals(image.RootFS.Layers, [DIFF.busybox]);
    assertEquals(image.RepoDigests, [
      `${ref}@sha256:07c21a632db22103e5bb7159b50bb0f3f1bc129028ddf651f9383349d3f8d5ca`,
    ]);
    const layer = image.GraphDriver.Data.UpperDir;
    const bb = Deno.lstatSync(`${layer}/bin/busybox`);
    assertEquals([bb.mode! & 0o7777, bb.uid, bb.gid, bb.size], [0o755, 0, 0, 1982256]);
    assertEquals(await sha256File(`${layer}/bin/busybox`), BUSYBOX_SHA);
    assertEquals(Deno.readLinkSync(`${layer}/bin/sh`), "busybox");
    assertEquals(Deno.lstatSync(`${layer}/tmp`).mode! & 0o7777, 0o1777);
    assertEquals(Deno.lstatSync(`${layer}/root`).mode! & 0o7777, 0o700);
    const bin = [...Deno.readDirSync(`${layer}/bin`)];
    assertEquals(bin.filter((e) => e.isSymlink).length, 268);
    const run = await root.run("run", "--rm", ref, "sh", "-c", "cat /etc/reg-harness-arch; pwd");
    assertEquals([run.code, run.stdout], [0, "amd64\n/root\n"], run.stderr);
    const q = await root.run("pull", "-q", ref);
    assertEquals(q.stdout, `${ref}:latest\n`);
  });
});

Deno.test("pull: layered:2 after layered:1 fetches only its new layer; whiteouts, owners, links applied; rmi frees unused layers", async () => {
  const reg = await registry();
  const proxy = blobProxy(reg.REG_PLAIN);
  try {
    await withRoot(async (root) => {
      const one = `${proxy.host}/library/layered:1`;
      const two = `${proxy.host}/library/layered:2`;
      assertEquals((await root.run("pull", one)).code, 0);
      assertEquals(proxy.counts.blobGets, 4, "config + 3 layers");
      const p2 = await root.run("pull", two);
      assertEquals(p2.code, 0, p2.stderr);
      assertEquals(proxy.counts.blobGets, 4 + 2, "config + the one new layer");
      assertStringIncludes(p2.stdout, "b4b8569cd458: Already exists\n");
      assertEquals((await inspect(root, two)).RootFS.Layers, [DIFF.busybox, DIFF.app, DIFF.top2]);

      await withMerged(root, one, (m) => {
        for (const p of ["/etc/remove-me.txt", "/var/cache", "/bin/vi", "/opt/app/old1.txt"]) {
          assert(absent(`${m}${p}`), `${p} is whited out`);
        }
        assert(absent(`${m}/opt/app/.wh..wh..opq`) && absent(`${m}/etc/.wh.remove-me.txt`));
        assertEquals([...Deno.readDirSync(`${m}/opt/app`)].map((e) => e.name), ["new.txt"]);
        assertEquals(Deno.lstatSync(`${m}/var/tmp`).mode! & 0o7777, 0o1777);
        assertEquals(Deno.lstatSync(`${m}/usr/local/bin/suid-tool`).mode! & 0o7777, 0o4755);
        assertEquals(Deno.lstatSync(`${m}/usr/local/bin/sgid-tool`).mode! & 0o7777, 0o2755);
        const home = Deno.lstatSync(`${m}/home/app`);
        assertEquals([home.mode! & 0o7777, home.uid, home.gid], [0o750, 1000, 1000]);
        const owned = Deno.lstatSync(`${m}/home/app/owned.txt`);
        assertEquals([owned.mode! & 0o7777, owned.uid, owned.gid], [0o640, 1000, 1000]);
        const orig = Deno.lstatSync(`${m}/data/original.txt`);
        const hard = Deno.lstatSync(`${m}/data/hardlink.txt`);
        assertEquals([orig.nlink, hard.ino], [2, orig.ino]);
        assertEquals(Deno.readLinkSync(`${m}/app`), "opt/app");
        assertEquals(Deno.readLinkSync(`${m}/usr/local/bin/bb`), "/bin/busybox");
        assertEquals(Deno.readLinkSync(`${m}/data/dangling-symlink`), "/does/not/exist");
        assertEquals(Deno.readLinkSync(`${m}/bin/sh`), "busybox");
        assertEquals(Deno.readTextFileSync(`${m}/etc/layered-version`), "1\n");
        assertEquals(Deno.statSync(`${m}/data/original.txt`).mtime?.getUTCFullYear(), 2024);
      });
      await withMerged(root, two, (m) => {
        assert(absent(`${m}/data/hardlink.txt`), "layer 2 whites out the hard link");
        assertEquals(Deno.readTextFileSync(`${m}/data/original.txt`), "hard link target\n");
      });

      // The image's config: ENTRYPOINT + CMD, USER, WORKDIR, ENV.
      const run1 = await root.run("run", "--rm", one);
      assertEquals([run1.code, run1.stdout], [0, "layered:1 1000:1000 /opt/app\n"], run1.stderr);
      const env = await root.run("run", "--rm", one, "echo $GREETING $LAYERED_VERSION");
      assertEquals(env.stdout, "hello world 1\n");
      const cfg = (await inspect(root, one)).Config;
      assertEquals([cfg.Entrypoint, cfg.User, cfg.WorkingDir], [
        ["/bin/sh", "-c"],
        "app",
        "/opt/app",
      ]);

      const files = () => [...Deno.readDirSync(`${root.dir}/layers`)].map((e) => e.name).sort();
      const layers = () => files().filter((name) => /^[0-9a-f]{64}$/.test(name));
      const before = layers();
      assertEquals((await root.run("rmi", one)).code, 0);
      assertEquals(before.filter((l) => !layers().includes(l)), [DIFF.top1.slice(7)]);
      assertEquals((await root.run("rmi", two)).code, 0);
      // Left: the busybox layer of the imported image (same bytes as no pulled one).
      assertEquals(layers().length, 1);
      // A removed layer's tar record and blob list went with it.
      assertEquals(files().filter((name) => !name.startsWith(layers()[0])), []);
    });
  } finally {
    await proxy.close();
  }
});

Deno.test("pull: a blob that does not match its digest is refused and leaves nothing", async () => {
  const reg = await registry();
  const proxy = blobProxy(reg.REG_PLAIN, { corrupt: true });
  try {
    await withRoot(async (root) => {
      assertEquals((await root.run("rmi", "busybox")).code, 0);
      const before = leftovers(root);
      const r = await root.run("pull", `${proxy.host}/library/schema2:1`);
      assertEquals(r.code, 125);
      const lines = r.stderr.trim().split("\n");
      assertEquals(lines.length, 1, r.stderr);
      assertStringIncludes(lines[0], "sha256:d648b48e7ed8");
      assertEquals(leftovers(root).filter((e) => !before.includes(e) && e !== "tmp"), []);
      assertEquals([...Deno.readDirSync(`${root.dir}/tmp`)], [], "no scratch left");
    });
  } finally {
    await proxy.close();
  }
});

Deno.test("pull: zstd layers, a Docker manifest list, --platform, no matching platform", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const zstd = `${reg.REG_PLAIN}/library/zstd:1`;
    const z = await root.run("pull", "-q", zstd);
    assertEquals(z.code, 0, z.stderr);
    const r = await root.run(
      "run",
      "--rm",
      zstd,
      "sh",
      "-c",
      "cat /etc/image-format; wc -c < /zstd/hello.txt",
    );
    assertEquals([r.code, r.stdout], [0, "zstd\n1536\n"], r.stderr);

    const list = `${reg.REG_PLAIN}/library/busybox:manifestlist`;
    assertEquals((await root.run("pull", "-q", list)).code, 0);
    const image = await inspect(root, list);
    assertEquals(image.RepoDigests, [
      `${reg.REG_PLAIN}/library/busybox@sha256:1ede67aa9877126e592f62fd1796a1f7926f758d6f2a4f8107c305e5346349ed`,
    ]);
    const arm = await root.run("pull", "-q", "--platform", "linux/arm64", list);
    assertEquals(arm.code, 0, arm.stderr);
    const armImage = await inspect(root, list);
    assertEquals(armImage.Architecture, "arm64");
    const top = armImage.GraphDriver.Data.UpperDir;
    assertEquals(Deno.readTextFileSync(`${top}/etc/reg-harness-arch`), "arm64\n");
    assert(absent(`${top}/bin/busybox`));
    const none = await root.run("pull", "--platform", "linux/s390x", list);
    assertEquals(none.code, 125);
    assertEquals(
      none.stderr,
      "dockergsh: Error response from daemon: no matching manifest for linux/s390x in the manifest list entries\n",
    );
  });
});

Deno.test("pull: TLS with a certs.d CA; Basic auth and Bearer tokens via login; anonymous private pulls refused", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const config = `${root.dir}/docker-config`;
    const env = { DOCKER_CONFIG: config, DOCKERGSH_CERTS_D: reg.REG_CERTS_D };
    const withEnv = (...args: string[]) => root.runWith({ env }, ...args);
    const tls = `${reg.REG_TLS}/library/oci:1`;
    const untrusted = await root.runWith(
      { env: { DOCKERGSH_CERTS_D: `${root.dir}/none` } },
      "pull",
      tls,
    );
    assertEquals(untrusted.code, 125);
    assertStringIncludes(untrusted.stderr, "UnknownIssuer");
    assertEquals((await withEnv("pull", "-q", tls)).stdout, `${tls}\n`);
    const oci = await root.run("run", "--rm", tls, "cat", "/etc/image-format");
    assertEquals(oci.stdout, "oci\n");

    for (const host of [reg.REG_AUTH, reg.REG_TOKEN]) {
      const ref = `${host}/private/busybox:1`;
      const anon = await withEnv("pull", ref);
      assertEquals(anon.code, 125);
      assertEquals(anon.stderr.trim().split("\n").length, 1, anon.stderr);
      assertStringIncludes(anon.stderr, `pull access denied for ${host}/private/busybox`);
      const bad = await root.runWith(
        { env, stdin: "wrong\n" },
        "login",
        "-u",
        "tester",
        "--password-stdin",
        host,
      );
      assertEquals(bad.code, 125, bad.stdout);
      const login = await root.runWith(
        { env, stdin: "secret\n" },
        "login",
        "-u",
        "tester",
        "--password-stdin",
        host,
      );
      assertEquals([login.code, login.stdout], [0, "Login Succeeded\n"], login.stderr);
      const p = await withEnv("pull", "-q", ref);
      assertEquals([p.code, p.stdout], [0, `${ref}\n`], p.stderr);
      const out = await withEnv("logout", host);
      assertEquals(out.stdout, `Removing login credentials for ${host}\n`);
    }
    assertEquals(Deno.statSync(`${config}/config.json`).mode! & 0o777, 0o600);
    // Anonymous tokens for library/* on the token instance.
    const anon = await withEnv("pull", "-q", `${reg.REG_TOKEN}/library/schema2:1`);
    assertEquals(anon.code, 0, anon.stderr);
  });
});

Deno.test("run: a missing image is pulled first, --pull never refuses", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const ref = `${reg.REG_PLAIN}/library/layered:2`;
    const never = await root.run("run", "--rm", "--pull", "never", ref);
    assertEquals(never.code, 125);
    const r = await root.run("run", "--rm", ref);
    assertEquals([r.code, r.stdout], [0, "layered:2 1000:1000 /data\n"], r.stderr);
    assertEquals(r.stderr.split("\n")[0], `Unable to find image '${ref}' locally`);
    assertStringIncludes(r.stderr, `Status: Downloaded newer image for ${ref}\n`);
  });
});

Deno.test("pull -a: every tag of a repository, Docker's lines; a tag with -a is refused", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const repo = `${reg.REG_PLAIN}/library/layered`;
    const p = await root.run("pull", "-a", repo);
    assertEquals(p.code, 0, p.stderr);
    const lines = p.stdout.trim().split("\n");
    // The registry's order of tags (not sorted), each with its own lines and digest.
    const starts = lines.filter((l) => l.endsWith(": Pulling from library/layered"));
    assertEquals(starts.sort(), [
      "1: Pulling from library/layered",
      "2: Pulling from library/layered",
    ]);
    assertEquals(lines.filter((l) => l.startsWith("Digest: ")).sort(), [
      "Digest: sha256:0ef71a5f76df2f3ca91362f5344f18b53553482d4572616ee3c7eed4501f91e8",
      "Digest: sha256:ac2435bd7dcab7253d1622e1c2609f7c78b2eb461fa63d5e254f3da78ef27c92",
    ]);
    assertEquals(lines.slice(-2), [`Status: Downloaded newer image for ${repo}`, repo]);
    for (const tag of ["1", "2"]) {
      const run = await root.run("run", "--rm", `${repo}:${tag}`, "cat /etc/layered-version");
      assertEquals(run.stdout.trim(), tag, run.stderr);
    }
    const again = await root.run("pull", "-a", repo);
    assertEquals(again.stdout.trim().split("\n").length, 6, again.stdout);
    assertEquals(again.stdout.trim().split("\n").slice(-2), [
      `Status: Image is up to date for ${repo}`,
      repo,
    ]);
    const tagged = await root.run("pull", "-a", `${repo}:1`);
    assertEquals([tagged.code, tagged.stderr], [1, "tag can't be used with --all-tags/-a\n"]);
  });
});

Deno.test("pull killed midway (kill -9): no image, the next pull completes and sweeps what it left", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const big = `${reg.REG_PLAIN}/library/big:1`;
    const before = (await root.run("images", "-q")).stdout;
    const [program, ...args] = root.argv("pull", big);
    const child = new Deno.Command(program, { args, stdout: "null", stderr: "null" }).spawn();
    const scratch = () =>
      [...Deno.readDirSync(`${root.dir}/tmp`)].map((e) => e.name)
        .filter((n) => n.startsWith(`layer-${child.pid}-`));
    // Killed while the big layer is being written.
    await eventually(() => {
      try {
        return scratch().some((n) =>
          Deno.statSync(`${root.dir}/tmp/${n}/tree/big/random.bin`).size > 20 << 20
        );
      } catch {
        return false;
      }
    }, 60_000);
    child.kill("SIGKILL");
    assertEquals((await child.status).signal, "SIGKILL");
    assert(scratch().length > 0, "the killed pull left no scratch to sweep");
    assertEquals((await root.run("images", "-q")).stdout, before);
    const again = await root.run("pull", "-q", big);
    assertEquals([again.code, again.stdout], [0, `${big}\n`], again.stderr);
    assertEquals(scratch(), []);
    assertEquals([...Deno.readDirSync(`${root.dir}/tmp`)].map((e) => e.name), []);
    const check = await root.run(
      "run",
      "--rm",
      big,
      "sh",
      "-c",
      "cd /big && sha256sum -c random.bin.sha256",
    );
    assertEquals([check.code, check.stdout], [0, "/big/random.bin: OK\n"], check.stderr);
    assertEquals((await root.run("rmi", big)).code, 0);
  });
});

Deno.test("pull on a terminal: layer lines redrawn in place, Docker's progress bar on a wide one", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const ref = `${reg.REG_PLAIN}/library/schema2:1`;
    const wide = await root.runInTerminal({ rows: 40, cols: 120 }, "pull", ref);
    assertEquals(wide.code, 0, wide.screen);
    // Each layer has its own line: cursor up to it, clear it, write, back down.
    const up = "\x1b[1A\r\x1b[2K";
    const down = "\r\x1b[1B";
    assertStringIncludes(wide.screen, `${up}d648b48e7ed8: Pulling fs layer${down}`);
    assertStringIncludes(wide.screen, `\x1b[2A\r\x1b[2Kd648b48e7ed8: Pull complete\r\x1b[2B`);
    assertStringIncludes(wide.screen, `${up}44107518fdfa: Pull complete${down}`);
    assert(
      /d648b48e7ed8: Downloading \[=*> *\] +[0-9.]+[kM]?B\/1\.036MB/.test(wide.screen),
      JSON.stringify(wide.screen),
    );
    assertStringIncludes(
      wide.screen,
      "Digest: sha256:e34e7a27d28746ac9aeb10dba8e8759104dff5d46600ebaa917aaaa5415bbbec",
    );
    assertEquals((await root.run("rmi", ref)).code, 0);
    // 80 columns: the byte counts without the bar.
    const narrow = await root.runInTerminal({ rows: 40, cols: 80 }, "pull", ref);
    assertEquals(narrow.code, 0, narrow.screen);
    assert(/d648b48e7ed8: Downloading +[0-9.]+[kM]?B\/1\.036MB/.test(narrow.screen), narrow.screen);
    assert(!narrow.screen.includes("Downloading ["), narrow.screen);
  });
});

Deno.test("two pulls of one image at once: both succeed, each blob is fetched once, the image is whole", async () => {
  const reg = await registry();
  // Blobs held back, so that both pulls are at their downloads at once.
  const proxy = blobProxy(reg.REG_PLAIN, { delayMs: 700 });
  try {
    await withRoot(async (root) => {
      const ref = `${proxy.host}/library/layered:1`;
      const [a, b] = await Promise.all([root.run("pull", "-q", ref), root.run("pull", "-q", ref)]);
      assertEquals([a.code, b.code], [0, 0], a.stderr + b.stderr);
      // Config blob twice (each pull reads it), each of the 3 layers once.
      assertEquals(proxy.counts.blobGets, 2 + 3);
      const image = await inspect(root, ref);
      assertEquals(image.RootFS.Layers, [DIFF.busybox, DIFF.app, DIFF.top1]);
      const run = await root.run("run", "--rm", ref, "cat /etc/layered-version /opt/app/new.txt");
      assertEquals(run.code, 0, run.stderr);
      assertEquals([...Deno.readDirSync(`${root.dir}/tmp`)].map((e) => e.name), []);
    });
  } finally {
    await proxy.close();
  }
});
