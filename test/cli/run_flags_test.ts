import { assertEquals, assertThrows } from "../_assert.ts";
import { parseEnv, parseVolume } from "../../src/cli/run_flags.ts";
import { parseMount } from "../../src/cli/mount_flag.ts";

Deno.test("volume: HOST:CONTAINER[:ro], paths cleaned", () => {
  assertEquals(parseVolume("/srv/data:/data"), {
    source: "/srv/data",
    destination: "/data",
    readOnly: false,
  });
  assertEquals(parseVolume("/a/../b//c:/x/./y/:ro"), {
    source: "/b/c",
    destination: "/x/y",
    readOnly: true,
  });
});

Deno.test("volume: NAME:CONTAINER is a named volume, CONTAINER alone an anonymous one (as Docker)", () => {
  assertEquals(parseVolume("rf-v5:/x:ro,nocopy"), {
    source: "",
    destination: "/x",
    readOnly: true,
    volume: "rf-v5",
    copyUp: false,
  });
  assertEquals(parseVolume("data:/x"), {
    source: "",
    destination: "/x",
    readOnly: false,
    volume: "data",
    copyUp: true,
  });
  assertEquals(parseVolume("/only"), {
    source: "",
    destination: "/only",
    readOnly: false,
    anonymous: true,
    copyUp: true,
  });
  // Docker 20.10 accepts (and ignores without SELinux) z and Z.
  assertEquals(parseVolume("/a:/b:z").readOnly, false);
});

Deno.test("volume: bad specifications are refused in Docker's words", () => {
  // Each message is what Docker 20.10 printed for the same -v (docker: → dockergsh:).
  assertThrows(
    () => parseVolume("rf-v5:rel"),
    /invalid volume specification: 'rf-v5:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute/,
  );
  assertThrows(
    () => parseVolume("/a:rel"),
    /type "bind": invalid mount path: 'rel' mount path must be absolute/,
  );
  assertThrows(() => parseVolume("/a:/b:rx"), /invalid mode: rx\./);
  assertThrows(() => parseVolume("/a:/b:rw,ro"), /invalid mode: rw,ro\./);
  assertThrows(() => parseVolume("rf-v5:/"), /destination can't be '\/'/);
  assertThrows(() => parseVolume("/a:/.."), /destination can't be '\/'/);
  assertThrows(() => parseVolume("/a:/b:ro:x"), /invalid volume specification: '\/a:\/b:ro:x'/);
  assertThrows(
    () => parseVolume("bad/x:/x"),
    /"bad\/x" includes invalid characters for a local volume name/,
  );
  assertThrows(() => parseVolume("_bad:/x"), /includes invalid characters/);
  assertThrows(() => parseVolume("a:/x"), /volume name is too short/);
});

Deno.test("env: K=V kept, bare K taken from dockergsh's environment", () => {
  assertEquals(parseEnv("A=b=c"), "A=b=c");
  Deno.env.set("DGSH_TEST_ENV", "v");
  assertEquals(parseEnv("DGSH_TEST_ENV"), "DGSH_TEST_ENV=v");
  assertEquals(parseEnv("DGSH_TEST_UNSET_XYZ"), undefined);
  assertThrows(() => parseEnv("=x"), /invalid environment variable/);
});

Deno.test("--mount: Docker's CSV (quoted fields, key spellings), its flag errors", () => {
  const m = parseMount('type=bind,"source=/a,b",target=/x,ro');
  assertEquals(m.kind === "bind" && m.mount, {
    source: "/a,b",
    destination: "/x",
    readOnly: true,
    mustExist: true,
    viaMountFlag: true,
  });
  const v = parseMount("src=data,dst=/v,volume-nocopy,volume-label=a=b");
  assertEquals(v.kind === "volume" && [v.mount.volume, v.mount.copyUp, v.volumeLabels], [
    "data",
    false,
    { a: "b" },
  ]);
  assertEquals(parseMount("type=volume,target=/v").kind, "volume");
  assertThrows(() => parseMount('type=bind,"source=/a'), /extraneous or missing " in quoted-field/);
  assertThrows(() => parseMount('type=bind,source="/a"'), /bare " in non-quoted-field/);
  assertThrows(
    () => parseMount("type=tmpfs,target=/t,volume-nocopy"),
    /cannot mix 'volume-\*' options with mount type 'tmpfs'/,
  );
  assertThrows(
    () => parseMount("type=volume,target=/t,tmpfs-size=1m"),
    /cannot mix 'tmpfs-\*' options with mount type 'volume'/,
  );
});
