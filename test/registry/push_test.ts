/**
 * push against the real registry harness: commit → push → rmi → pull →
 * run on the plain registry and, with credentials, on the Basic-auth and
 * token ones; blobs the registry has are skipped or mounted, the layers
 * pushed are the exact tars of their diff IDs, the image ID survives the
 * round trip.
 */

import { createHash } from "node:crypto";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { type TestRoot, withRoot } from "../_harness.ts";
import { registry } from "./_registry.ts";

async function inspect(root: TestRoot, ref: string) {
  const r = await root.run("inspect", "--type", "image", ref);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

/** A repository name no earlier run used (the harness's registries keep what is pushed). */
function freshRepo(prefix: string): string {
  return `${prefix}/push-${crypto.randomUUID().slice(0, 8)}`;
}

/** Commits a container of `image` that adds /pushed.txt and deletes /etc/group; resolves to its ID. */
async function commitChange(root: TestRoot, image: string, ref: string): Promise<string> {
  const name = `src-${crypto.randomUUID().slice(0, 8)}`;
  const r = await root.run(
    "run",
    "--name",
    name,
    image,
    "sh",
    "-c",
    `echo "${ref}" > /pushed.txt; rm /etc/group`,
  );
  assertEquals(r.code, 0, r.stderr);
  const c = await root.run("commit", name, ref);
  assertEquals(c.code, 0, c.stderr);
  assertEquals((await root.run("rm", name)).code, 0);
  return c.stdout.trim();
}

/** The registry's manifest of `repo:tag` (anonymous: the plain registry). */
async function manifestOf(host: string, repo: string, tag: string) {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, {
    headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" },
  });
  assertEquals(res.status, 200);
  const body = new Uint8Array(await res.arrayBuffer());
  return {
    digest: `sha256:${createHash("sha256").update(body).digest("hex")}`,
    json: JSON.parse(new TextDecoder().decode(body)),
  };
}

/** The sha256 of blob `digest` of `repo`, gunzipped: its diff ID. */
async function diffIdOfBlob(host: string, repo: string, digest: string): Promise<string> {
  const res = await fetch(`http://${host}/v2/${repo}/blobs/${digest}`);
  assertEquals(res.status, 200);
  const hash = createHash("sha256");
  const tar = res.body!.pipeThrough(
    new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
  );
  for await (const chunk of tar) hash.update(chunk);
  return `sha256:${hash.digest("hex")}`;
}

/** The lines of a push's output between the first and the digest line, sorted. */
function layerLines(stdout: string): string[] {
  return stdout.trim().split("\n").slice(1, -1).filter((l) => !l.endsWith("Preparing")).sort();
}

Deno.test("push: commit → push → rmi → pull → run on the plain registry; pushed, mounted, already there", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const host = reg.REG_PLAIN;
    // An image whose every layer is new to the registry: busybox imported here, plus a commit.
    const repoA = freshRepo("dgsh-test");
    const refA = `${host}/${repoA}:v1`;
    const idA = await commitChange(root, "busybox", refA);
    const a = await inspect(root, refA);
    const base = await inspect(root, "busybox");
    assertEquals(a.RootFS.Layers.length, 2);
    assertEquals(a.RootFS.Layers[0], base.RootFS.Layers[0]);
    const [bottom, top] = a.RootFS.Layers.map((d: string) => d.slice(7, 19));
    const pushA = await root.run("push", refA);
    assertEquals(pushA.code, 0, pushA.stderr);
    const lines = pushA.stdout.trim().split("\n");
    assertEquals(lines.slice(0, 3), [
      `The push refers to repository [${host}/${repoA}]`,
      `${top}: Preparing`,
      `${bottom}: Preparing`,
    ]);
    assertEquals(layerLines(pushA.stdout), [`${bottom}: Pushed`, `${top}: Pushed`].sort());
    const manifest = await manifestOf(host, repoA, "v1");
    assertEquals(
      lines.at(-1),
      `v1: digest: ${manifest.digest} size: ${JSON.stringify(manifest.json, null, 3).length}`,
    );
    assertEquals(manifest.json.config.digest, idA);
    // Each pushed blob is the exact tar of its diff ID.
    for (const [i, layer] of manifest.json.layers.entries()) {
      assertEquals(layer.mediaType, "application/vnd.docker.image.rootfs.diff.tar.gzip");
      assertEquals(await diffIdOfBlob(host, repoA, layer.digest), a.RootFS.Layers[i]);
    }
    const again = await root.run("push", refA);
    assertEquals(
      layerLines(again.stdout),
      [
        `${bottom}: Layer already exists`,
        `${top}: Layer already exists`,
      ].sort(),
    );
    assertEquals(again.stdout.trim().split("\n").at(-1), lines.at(-1));
    assertEquals((await inspect(root, refA)).RepoDigests, [`${host}/${repoA}@${manifest.digest}`]);
    // push -a: every local tag of the repository, in tag order, one repository line.
    assertEquals((await root.run("tag", refA, `${host}/${repoA}:v0`)).code, 0);
    const all = await root.run("push", "-a", `${host}/${repoA}`);
    assertEquals(all.code, 0, all.stderr);
    const allLines = all.stdout.trim().split("\n");
    assertEquals(allLines.filter((l) => l.startsWith("The push refers")).length, 1);
    assertEquals(allLines.filter((l) => l.includes(": digest: ")), [
      `v0: digest: ${manifest.digest} size: ${lines.at(-1)!.split(" ").at(-1)}`,
      lines.at(-1),
    ]);
    assertEquals(allLines.filter((l) => l.endsWith("Layer already exists")).length, 4);
    const tagged = await root.run("push", "-a", refA);
    assertEquals([tagged.code, tagged.stderr], [1, "tag can't be used with --all-tags/-a\n"]);
    const untagged = await root.run("push", `${host}/${repoA}`);
    assertEquals(untagged.stdout.split("\n").slice(0, 2), [
      "Using default tag: latest",
      `The push refers to repository [${host}/${repoA}]`,
    ]);
    assertStringIncludes(untagged.stderr, "An image does not exist locally with the tag");

    // A commit on a pulled image: its base layer is mounted from the repository it came from.
    const pulled = `${host}/library/busybox:latest`;
    assertEquals((await root.run("pull", "-q", pulled)).code, 0);
    const repoB = freshRepo("dgsh-test");
    const refB = `${host}/${repoB}:v2`;
    const idB = await commitChange(root, pulled, refB);
    const b = await inspect(root, refB);
    const pushB = await root.run("push", refB);
    assertEquals(pushB.code, 0, pushB.stderr);
    assertEquals(
      layerLines(pushB.stdout),
      [
        `${b.RootFS.Layers[0].slice(7, 19)}: Mounted from library/busybox`,
        `${b.RootFS.Layers[1].slice(7, 19)}: Pushed`,
      ].sort(),
    );

    // Nothing left locally, then both back from the registry.
    for (const ref of [refA, `${host}/${repoA}:v0`, refB, pulled, "busybox"]) {
      const rmi = await root.run("rmi", ref);
      assertEquals(rmi.code, 0, rmi.stderr);
      // As Docker's: a pulled image's repo digest is untagged with it.
      if (ref === pulled) {
        assertStringIncludes(
          rmi.stdout,
          `Untagged: ${host}/library/busybox@sha256:07c21a632db22103e5bb7159b50bb0f3f1bc129028ddf651f9383349d3f8d5ca\n`,
        );
      }
    }
    assertEquals([...Deno.readDirSync(`${root.dir}/layers`)].filter((e) => e.isDirectory), []);
    for (const [ref, id, layers] of [[refA, idA, a.RootFS.Layers], [refB, idB, b.RootFS.Layers]]) {
      const p = await root.run("pull", ref as string);
      assertEquals(p.code, 0, p.stderr);
      const image = await inspect(root, ref as string);
      assertEquals([image.Id, image.RootFS.Layers], [id, layers]);
      const run = await root.run(
        "run",
        "--rm",
        ref as string,
        "sh",
        "-c",
        "cat /pushed.txt; [ -e /etc/group ] && echo group || echo no-group; [ -x /bin/busybox ] && echo bb",
      );
      assertEquals([run.code, run.stdout], [0, `${ref}\nno-group\nbb\n`], run.stderr);
    }
  });
});

Deno.test("push: Basic auth and Bearer tokens need a login; round trip with credentials; bad input", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const env = { DOCKER_CONFIG: `${root.dir}/docker-config` };
    const withEnv = (...args: string[]) => root.runWith({ env }, ...args);
    for (const host of [reg.REG_AUTH, reg.REG_TOKEN]) {
      const ref = `${host}/${freshRepo("tester")}:1`;
      const id = await commitChange(root, "busybox", ref);
      const anon = await withEnv("push", ref);
      assert(anon.code !== 0, anon.stdout);
      assertEquals(anon.stderr.trim().split("\n").length, 1, anon.stderr);
      assertStringIncludes(anon.stderr, "denied");
      const login = await root.runWith(
        { env, stdin: "secret\n" },
        "login",
        "-u",
        "tester",
        "--password-stdin",
        host,
      );
      assertEquals(login.code, 0, login.stderr);
      const push = await withEnv("push", ref);
      assertEquals(push.code, 0, push.stderr);
      assertStringIncludes(push.stdout, ": Pushed\n");
      assertEquals((await root.run("rmi", ref)).code, 0);
      const pull = await withEnv("pull", ref);
      assertEquals(pull.code, 0, pull.stderr);
      assertEquals((await inspect(root, ref)).Id, id);
      const run = await root.run("run", "--rm", ref, "cat", "/pushed.txt");
      assertEquals([run.code, run.stdout], [0, `${ref}\n`], run.stderr);
      assertEquals((await withEnv("logout", host)).code, 0);
    }
    const missing = await root.run("push", `${reg.REG_PLAIN}/dgsh-test/none:1`);
    assertEquals([missing.code, missing.stdout], [
      125,
      `The push refers to repository [${reg.REG_PLAIN}/dgsh-test/none]\n`,
    ]);
    assertEquals(
      missing.stderr,
      `dockergsh: Error response from daemon: An image does not exist locally with the tag: ${reg.REG_PLAIN}/dgsh-test/none\n`,
    );
    assertEquals(
      [...Deno.readDirSync(`${root.dir}/tmp`)].filter((e) => e.name.startsWith("push-")),
      [],
    );
  });
});

Deno.test("history of a pulled image as Docker shows it; images --digests after pull and push", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const layered = `${reg.REG_PLAIN}/library/layered:1`;
    assertEquals((await root.run("pull", "-q", layered)).code, 0);
    // What the real Docker 20.10 printed for this image (its config's history).
    const h = await root.run("history", layered);
    const cells = h.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(/\s{2,}/));
    assertEquals(cells.map((c) => [c[0], c[2], c[3], c[4]]), [
      ["12adaa4d4273", "whiteouts", "54B", "reg-harness"],
      ["<missing>", "app layer", "4.71kB", "reg-harness"],
      ["<missing>", "busybox-static rootfs", "1.98MB", "reg-harness"],
    ]);
    const digest = "sha256:ac2435bd7dcab7253d1622e1c2609f7c78b2eb461fa63d5e254f3da78ef27c92";
    const repo = `${reg.REG_PLAIN}/library/layered`;
    const listed = await root.run("images", "--digests", repo);
    assertEquals(listed.stdout.split("\n")[0].split(/\s{2,}/), [
      "REPOSITORY",
      "TAG",
      "DIGEST",
      "IMAGE ID",
      "CREATED",
      "SIZE",
    ]);
    assertEquals(listed.stdout.split("\n")[1].split(/\s{2,}/).slice(0, 4), [
      repo,
      "1",
      digest,
      "12adaa4d4273",
    ]);
    // Pushed under another name: that repository's row shows the digest the push made.
    const copy = `${reg.REG_PLAIN}/${freshRepo("dgsh-test")}`;
    assertEquals((await root.run("tag", layered, `${copy}:c`)).code, 0);
    const push = await root.run("push", `${copy}:c`);
    assertEquals(push.code, 0, push.stderr);
    const pushed = push.stdout.trim().split("\n").at(-1)!.split(" ")[2];
    const rows = (await root.run("images", "--digests")).stdout.split("\n").map((l) =>
      l.split(/\s{2,}/).slice(0, 3)
    );
    assert(rows.some((r) => r.join(" ") === `${copy} c ${pushed}`), rows.join("\n"));
    const inspected = await inspect(root, layered);
    assertEquals(inspected.RepoDigests, [`${copy}@${pushed}`, `${repo}@${digest}`].sort());
  });
});

Deno.test("push on a terminal: layer lines redrawn in place, Pushing bars", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const ref = `${reg.REG_PLAIN}/${freshRepo("dgsh-test")}:t`;
    await commitChange(root, "busybox", ref);
    const layers = (await inspect(root, ref)).RootFS.Layers.map((d: string) => d.slice(7, 19));
    const push = await root.runInTerminal({ rows: 40, cols: 120 }, "push", ref);
    assertEquals(push.code, 0, push.screen);
    // Top layer first, each line drawn where it is: up to it, clear, write, back down.
    assertStringIncludes(push.screen, `\x1b[1A\r\x1b[2K${layers[1]}: Preparing\r\x1b[1B`);
    assertStringIncludes(push.screen, `\x1b[2K${layers[0]}: Pushed\r\x1b[1B`);
    assert(
      new RegExp(`${layers[0]}: Pushing \\[=*> *\\] +[0-9.]+[kM]?B/[0-9.]+[kM]?B`).test(
        push.screen,
      ),
      JSON.stringify(push.screen),
    );
    assertStringIncludes(push.screen, "t: digest: sha256:");
  });
});

Deno.test("push of a pulled zstd image: its blobs mounted as they are, in an OCI manifest", async () => {
  const reg = await registry();
  await withRoot(async (root) => {
    const zstd = `${reg.REG_PLAIN}/library/zstd:1`;
    assertEquals((await root.run("pull", "-q", zstd)).code, 0);
    const repo = freshRepo("dgsh-test");
    const copy = `${reg.REG_PLAIN}/${repo}:z`;
    assertEquals((await root.run("tag", zstd, copy)).code, 0);
    const push = await root.run("push", copy);
    assertEquals(push.code, 0, push.stderr);
    assertEquals(
      layerLines(push.stdout).map((l) => l.split(": ")[1]),
      ["Mounted from library/zstd", "Mounted from library/zstd"],
    );
    const res = await fetch(`http://${reg.REG_PLAIN}/v2/${repo}/manifests/z`, {
      headers: { Accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    const manifest = await res.json();
    assertEquals(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assertEquals(manifest.config.mediaType, "application/vnd.oci.image.config.v1+json");
    assertEquals(
      manifest.layers.map((l: { mediaType: string; digest: string }) => [l.mediaType, l.digest]),
      [
        [
          "application/vnd.oci.image.layer.v1.tar+zstd",
          "sha256:1e55f2f75c62f8d400f79fa6056e279e9580195fe950e56d556e029c91dd5411",
        ],
        [
          "application/vnd.oci.image.layer.v1.tar+zstd",
          "sha256:d3fc3fa73f75cc3d1e1465e25125c8de2b1c5a25e0ffc95cdc815c929cc6ab6d",
        ],
      ],
    );
    assertEquals((await root.run("rmi", copy, zstd)).code, 0);
    const back = await root.run("run", "--rm", copy, "cat", "/etc/image-format");
    assertEquals([back.code, back.stdout.trim()], [0, "zstd"], back.stderr);
  });
});
