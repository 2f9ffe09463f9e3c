/**
 * save and load: save → rmi → load → run (to a file and through a pipe);
 * archives in the layout `docker save` (Docker 20.10) writes and in the OCI
 * image layout, built here as observed from the real tools; hostile
 * archives refused with nothing left in the store.
 */

import { createHash } from "node:crypto";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { BUSYBOX_TAR, type TestRoot, withRoot } from "../_harness.ts";
import { buildTar, type TestEntry } from "../_tar_writer.ts";

function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function inspect(root: TestRoot, ref: string) {
  const r = await root.run("inspect", "--type", "image", ref);
  assertEquals(r.code, 0, r.stderr);
  return JSON.parse(r.stdout)[0];
}

function names(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/** The store holds no image and no layer, and no scratch is left. */
function assertEmptyStore(root: TestRoot) {
  assertEquals(names(`${root.dir}/layers`), []);
  assertEquals(names(`${root.dir}/images`).filter((n) => /^[0-9a-f]{64}$/.test(n)), []);
  assertEquals(names(`${root.dir}/tmp`), []);
}

/** Removes every image of `root`. */
async function removeAll(root: TestRoot) {
  const ids = (await root.run("images", "-q", "--no-trunc")).stdout.trim().split("\n");
  for (const id of ids.filter(Boolean)) {
    const r = await root.run("rmi", "-f", id);
    assertEquals(r.code, 0, r.stderr);
  }
}

/** A second layer: a file, and a whiteout of /etc/group. */
const TOP_LAYER = buildTar([
  { name: "etc/", type: "dir" },
  { name: "etc/.wh.group" },
  { name: "hello.txt", data: "from the archive\n" },
]);

/** A config blob for busybox.tar plus TOP_LAYER, as Docker writes one. */
function configFor(layers: Uint8Array[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    architecture: "amd64",
    config: { Env: ["PATH=/bin"], Cmd: ["sh"], WorkingDir: "/" },
    created: "2024-01-01T00:00:00Z",
    history: layers.map(() => ({ created: "2024-01-01T00:00:00Z", created_by: "test" })),
    os: "linux",
    rootfs: { type: "layers", diff_ids: layers.map((l) => `sha256:${sha256(l)}`) },
  }));
}

/** A `docker save` archive (the layout observed from Docker 20.10) of busybox.tar + TOP_LAYER. */
function dockerArchive(tag: string, overrides: { layers?: string[]; extra?: TestEntry[] } = {}) {
  const layers = [Deno.readFileSync(BUSYBOX_TAR), TOP_LAYER];
  const config = configFor(layers);
  const configName = `${sha256(config)}.json`;
  const v1 = layers.map((l, i) => sha256(`${i} ${sha256(l)}`));
  const entries: TestEntry[] = [];
  v1.forEach((id, i) => {
    entries.push(
      { name: `${id}/`, type: "dir" },
      { name: `${id}/VERSION`, data: "1.0" },
      { name: `${id}/json`, data: JSON.stringify({ id, ...(i ? { parent: v1[i - 1] } : {}) }) },
      { name: `${id}/layer.tar`, data: layers[i] },
    );
  });
  const colon = tag.lastIndexOf(":");
  entries.push(
    { name: configName, data: config },
    ...(overrides.extra ?? []),
    {
      name: "manifest.json",
      data: JSON.stringify([{
        Config: configName,
        RepoTags: [tag],
        Layers: overrides.layers ?? v1.map((id) => `${id}/layer.tar`),
      }]),
    },
    {
      name: "repositories",
      data: JSON.stringify({ [tag.slice(0, colon)]: { [tag.slice(colon + 1)]: v1[1] } }),
    },
  );
  return { tar: buildTar(entries), config };
}

/** An OCI image layout archive of busybox.tar (gzip) + TOP_LAYER (plain), named `name`. */
async function ociArchive(name: string) {
  const gz = new Uint8Array(
    await new Response(
      new Blob([Deno.readFileSync(BUSYBOX_TAR)]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
  const config = configFor([Deno.readFileSync(BUSYBOX_TAR), TOP_LAYER]);
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: `sha256:${sha256(config)}`,
      size: config.length,
    },
    layers: [
      {
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        digest: `sha256:${sha256(gz)}`,
        size: gz.length,
      },
      {
        mediaType: "application/vnd.oci.image.layer.v1.tar",
        digest: `sha256:${sha256(TOP_LAYER)}`,
        size: TOP_LAYER.length,
      },
    ],
  }));
  const index = {
    schemaVersion: 2,
    manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${sha256(manifest)}`,
      size: manifest.length,
      annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": "1" },
    }],
  };
  const blob = (b: Uint8Array): TestEntry => ({ name: `blobs/sha256/${sha256(b)}`, data: b });
  return {
    tar: buildTar([
      { name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: "index.json", data: JSON.stringify(index) },
      { name: "blobs/", type: "dir" },
      { name: "blobs/sha256/", type: "dir" },
      blob(gz),
      blob(TOP_LAYER),
      blob(config),
      blob(manifest),
    ]),
    config,
  };
}

Deno.test("save → rmi → load → run: to a file and to stdout, IDs and layers kept; a changed layer fails the save", async () => {
  await withRoot(async (root) => {
    const change = await root.run(
      "run",
      "--name",
      "src",
      "busybox",
      "sh",
      "-c",
      "echo saved > /saved.txt; rm /etc/group",
    );
    assertEquals(change.code, 0, change.stderr);
    assertEquals((await root.run("commit", "src", "mine:1")).code, 0);
    assertEquals((await root.run("rm", "src")).code, 0);
    const mine = await inspect(root, "mine:1");
    const busybox = await inspect(root, "busybox");
    const file = `${root.dir}/out.tar`;
    const save = await root.run("save", "-o", file, "mine:1", "busybox");
    assertEquals([save.code, save.stdout, save.stderr], [0, "", ""]);
    assertEquals(names(root.dir).filter((n) => n.startsWith(".dockergsh-save-")), []);
    // Docker's layout: manifest.json, repositories, <id>.json, <v1>/{VERSION,json,layer.tar}.
    const list = new TextDecoder().decode(
      new Deno.Command("tar", { args: ["-tf", file], stdout: "piped" }).outputSync().stdout,
    ).trim().split("\n");
    assert(list.includes("manifest.json") && list.includes("repositories"), list.join(" "));
    assert(list.includes(`${mine.Id.slice(7)}.json`), list.join(" "));
    assertEquals(list.filter((n) => n.endsWith("/layer.tar")).length, 3, list.join(" "));
    await removeAll(root);
    assertEmptyStore(root);

    const load = await root.run("load", "-i", file);
    assertEquals(load.code, 0, load.stderr);
    assertEquals(load.stdout, "Loaded image: mine:1\nLoaded image: busybox:latest\n");
    const back = await inspect(root, "mine:1");
    assertEquals([back.Id, back.RootFS.Layers], [mine.Id, mine.RootFS.Layers]);
    assertEquals((await inspect(root, "busybox")).Id, busybox.Id);
    const run = await root.run(
      "run",
      "--rm",
      "mine:1",
      "sh",
      "-c",
      "cat /saved.txt; [ -e /etc/group ] || echo no-group",
    );
    assertEquals([run.code, run.stdout], [0, "saved\nno-group\n"], run.stderr);

    // To stdout and from stdin, an image named by ID (saved untagged).
    const quoted = (argv: string[]) => argv.map((a) => `'${a}'`).join(" ");
    const viaShell = (script: string) =>
      new Deno.Command("sh", { args: ["-c", script], stdout: "piped", stderr: "piped" })
        .outputSync();
    const dec = new TextDecoder();
    const saved = viaShell(`${quoted(root.argv("save", mine.Id))} > '${root.dir}/stdout.tar'`);
    assertEquals(saved.code, 0, dec.decode(saved.stderr));
    await removeAll(root);
    const loaded = viaShell(`${quoted(root.argv("load"))} < '${root.dir}/stdout.tar'`);
    assertEquals(loaded.code, 0, dec.decode(loaded.stderr));
    assertEquals(dec.decode(loaded.stdout), `Loaded image ID: ${mine.Id}\n`);
    const again = await root.run("run", "--rm", mine.Id, "cat", "/saved.txt");
    assertEquals([again.code, again.stdout], [0, "saved\n"], again.stderr);

    // A layer whose files no longer make its diff ID: the save fails, and writes no file.
    const top = (await inspect(root, mine.Id)).GraphDriver.Data.UpperDir;
    Deno.writeTextFileSync(`${top}/saved.txt`, "SAVED\n");
    const bad = await root.run("save", "-o", `${root.dir}/bad.tar`, mine.Id);
    assertEquals(bad.code, 125);
    assertStringIncludes(bad.stderr, "no longer matches its files");
    assertEquals(
      names(root.dir).filter((n) => n === "bad.tar" || n.startsWith(".dockergsh-save-")),
      [],
    );
  });
});

Deno.test("load: an archive in docker save's layout and an OCI image layout archive", async () => {
  await withRoot(async (root) => {
    // A tag the archive's image takes from another image: Docker's line says so.
    const busybox = (await root.run("image", "inspect", "-f", "{{.Id}}", "busybox")).stdout.trim();
    assertEquals((await root.run("tag", "busybox", "from-docker:1")).code, 0);
    const docker = dockerArchive("from-docker:1");
    Deno.writeFileSync(`${root.dir}/docker.tar`, docker.tar);
    const d = await root.run("load", "-i", `${root.dir}/docker.tar`);
    assertEquals([d.code, d.stdout], [
      0,
      `The image from-docker:1 already exists, renaming the old one with ID ${busybox} to empty string\nLoaded image: from-docker:1\n`,
    ], d.stderr);
    await removeAll(root);
    assertEquals(
      (await root.run("load", "-i", `${root.dir}/docker.tar`)).stdout,
      "Loaded image: from-docker:1\n",
    );
    assertEquals((await inspect(root, "from-docker:1")).Id, `sha256:${sha256(docker.config)}`);
    const run = await root.run(
      "run",
      "--rm",
      "from-docker:1",
      "sh",
      "-c",
      "cat /hello.txt; ls /etc/group 2>&1",
    );
    assertEquals(run.stdout, "from the archive\nls: /etc/group: No such file or directory\n");

    const oci = await ociArchive("127.0.0.1:5999/from/oci:1");
    Deno.writeFileSync(`${root.dir}/oci.tar`, oci.tar);
    const o = await root.run("load", "-i", `${root.dir}/oci.tar`);
    assertEquals([o.code, o.stdout], [0, "Loaded image: 127.0.0.1:5999/from/oci:1\n"], o.stderr);
    // The same layers as the docker archive's: shared, not stored twice.
    assertEquals(names(`${root.dir}/layers`).filter((n) => /^[0-9a-f]{64}$/.test(n)).length, 2);
    const ociRun = await root.run("run", "--rm", "127.0.0.1:5999/from/oci:1", "cat", "/hello.txt");
    assertEquals(ociRun.stdout, "from the archive\n");
  });
});

Deno.test("load: hostile or broken archives are refused in one line and leave nothing", async () => {
  await withRoot(async (root) => {
    await removeAll(root);
    const badLayer = buildTar([{ name: "../../escaped", data: "x" }]);
    const docker = dockerArchive("ok:1");
    const cases: [string, Uint8Array, string][] = [
      ["an entry leaving the archive", buildTar([{ name: "../escaped", data: "x" }]), "'..'"],
      [
        "a layer path leaving the archive",
        dockerArchive("x:1", { layers: ["../../etc/passwd", "a"] }).tar,
        "leaves the archive",
      ],
      [
        "a layer path through a symlink",
        dockerArchive("x:1", {
          layers: ["evil/passwd", "evil/group"],
          extra: [{ name: "evil", type: "symlink", linkname: "/etc" }],
        }).tar,
        "is not in the archive",
      ],
      [
        "a layer tar with '..'",
        (() => {
          const layers = [badLayer, TOP_LAYER];
          const config = configFor(layers);
          return buildTar([
            { name: "c.json", data: config },
            { name: "l0.tar", data: badLayer },
            { name: "l1.tar", data: TOP_LAYER },
            {
              name: "manifest.json",
              data: JSON.stringify([{
                Config: "c.json",
                RepoTags: ["x:1"],
                Layers: ["l0.tar", "l1.tar"],
              }]),
            },
          ]);
        })(),
        "'..'",
      ],
      [
        "a layer that is not its diff ID",
        buildTar([
          { name: "c.json", data: configFor([TOP_LAYER, TOP_LAYER]) },
          { name: "l0.tar", data: Deno.readFileSync(BUSYBOX_TAR) },
          { name: "l1.tar", data: TOP_LAYER },
          {
            name: "manifest.json",
            data: JSON.stringify([{
              Config: "c.json",
              RepoTags: ["x:1"],
              Layers: ["l0.tar", "l1.tar"],
            }]),
          },
        ]),
        "not its diff ID",
      ],
      ["no manifest", buildTar([{ name: "hello", data: "x" }]), "neither manifest.json"],
      ["not a tar", new TextEncoder().encode("garbage ".repeat(100)), "not a tar archive"],
    ];
    for (const [what, tar, why] of cases) {
      const file = `${root.dir}/bad.tar`;
      Deno.writeFileSync(file, tar);
      const r = await root.run("load", "-i", file);
      assertEquals([r.code, r.stdout], [125, ""], `${what}: ${r.stdout}${r.stderr}`);
      assertEquals(r.stderr.trim().split("\n").length, 1, `${what}: ${r.stderr}`);
      assertStringIncludes(r.stderr, why, what);
      assertEmptyStore(root);
      assertEquals(names(root.dir).includes("escaped"), false, what);
    }
    const empty = await root.runWith({ stdin: "" }, "load");
    assertEquals([empty.code, empty.stderr], [
      125,
      "dockergsh: requested load from stdin, but stdin is empty\n",
    ]);
    // The intact archive still loads (the refusals left no lock or scratch in the way).
    Deno.writeFileSync(`${root.dir}/ok.tar`, docker.tar);
    assertEquals((await root.run("load", "-i", `${root.dir}/ok.tar`)).code, 0);
    const noDir = await root.run("save", "-o", `${root.dir}/no/such/dir.tar`, "ok:1");
    // Docker 20.10's words and exit code.
    assertEquals([noDir.code, noDir.stderr], [
      1,
      `failed to save image: invalid output path: directory "${root.dir}/no/such" does not exist\n`,
    ]);
    const missing = await root.run("save", "-o", `${root.dir}/none.tar`, "nonexistent:1");
    assertEquals([missing.code, missing.stderr], [
      125,
      "dockergsh: Error response from daemon: reference does not exist: nonexistent:1\n",
    ]);
    assertEquals(
      names(root.dir).filter((n) => n === "none.tar" || n.startsWith(".dockergsh-save-")),
      [],
    );
  });
});

Deno.test("an image of 70 layers runs: overlay gets the layers' short links (its options fit one page)", async () => {
  await withRoot(async (root) => {
    const layers: Uint8Array[] = [Deno.readFileSync(BUSYBOX_TAR)];
    for (let i = 1; i < 70; i++) {
      layers.push(
        buildTar([{ name: "deep/", type: "dir" }, { name: `deep/${i}`, data: `${i}\n` }]),
      );
    }
    const config = configFor(layers);
    const entries: TestEntry[] = [{ name: "c.json", data: config }];
    layers.forEach((l, i) => entries.push({ name: `l${i}.tar`, data: l }));
    entries.push({
      name: "manifest.json",
      data: JSON.stringify([{
        Config: "c.json",
        RepoTags: ["deep:70"],
        Layers: layers.map((_, i) => `l${i}.tar`),
      }]),
    });
    Deno.writeFileSync(`${root.dir}/deep.tar`, buildTar(entries));
    const load = await root.run("load", "-i", `${root.dir}/deep.tar`);
    assertEquals([load.code, load.stdout], [0, "Loaded image: deep:70\n"], load.stderr);
    const image = await inspect(root, "deep:70");
    const lower = [image.GraphDriver.Data.UpperDir, image.GraphDriver.Data.LowerDir].join(":");
    // The full paths would not fit in one page of mount options; the links do.
    const full = image.RootFS.Layers.map((d: string) => `${root.dir}/layers/${d.slice(7)}`);
    assert(full.join(":").length > 4096, `${full.join(":").length}`);
    assert(lower.length < 4096 - 400, `${lower.length}`);
    for (const path of lower.split(":")) {
      assert(path.startsWith(`${root.dir}/l/`), path);
      assert(full.includes(Deno.readLinkSync(path)), path);
    }
    const run = await root.run(
      "run",
      "--rm",
      "deep:70",
      "sh",
      "-c",
      "ls /deep | wc -l; cat /deep/69",
    );
    assertEquals([run.code, run.stdout.replace(/ +/g, "")], [0, "69\n69\n"], run.stderr);
    // rmi takes the links with the layers.
    assertEquals((await root.run("rmi", "deep:70")).code, 0);
    assertEquals(names(`${root.dir}/l`).length, 1, "only busybox's link is left");
  });
});
