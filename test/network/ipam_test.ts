import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { BitmapIpam, ipamPath } from "../../src/network/ipam.ts";
import { StateRoot } from "../../src/store/paths.ts";

const IPAM_URL = new URL("../../src/network/ipam.ts", import.meta.url).href;
const PATHS_URL = new URL("../../src/store/paths.ts", import.meta.url).href;

function withRoot(fn: (root: StateRoot) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = Deno.makeTempDirSync({ prefix: "dgsh-ipam-" });
    try {
      await fn(new StateRoot(dir));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  };
}

const small = { name: "small", subnet: "10.213.1.0/29", gateway: "10.213.1.1" };

Deno.test(
  "a /29 hands out its 5 host addresses, never network, gateway or broadcast, then runs dry",
  withRoot((root) => {
    const ipam = new BitmapIpam(root, small);
    const got = Array.from({ length: 5 }, () => ipam.allocate());
    assertEquals(got, ["10.213.1.2", "10.213.1.3", "10.213.1.4", "10.213.1.5", "10.213.1.6"]);
    assertThrows(() => ipam.allocate(), /no available IPv4 addresses on network small/);
    assertEquals(ipam.allocated(), got);
  }),
);

Deno.test(
  "released addresses are handed out again; releasing twice is harmless",
  withRoot((root) => {
    const ipam = new BitmapIpam(root, small);
    for (let i = 0; i < 5; i++) ipam.allocate();
    ipam.release("10.213.1.4");
    ipam.release("10.213.1.4");
    assertEquals(ipam.allocate(), "10.213.1.4");
    assertThrows(() => ipam.allocate(), /no available/);
  }),
);

Deno.test(
  "a requested address: must be in the subnet, not reserved, not taken",
  withRoot((root) => {
    const ipam = new BitmapIpam(root, small);
    assertEquals(ipam.allocate("10.213.1.5"), "10.213.1.5");
    assertThrows(() => ipam.allocate("10.213.1.5"), /Address already in use: 10\.213\.1\.5/);
    assertThrows(() => ipam.allocate("10.213.2.5"), /not in subnet 10\.213\.1\.0\/29/);
    for (const reserved of ["10.213.1.0", "10.213.1.1", "10.213.1.7"]) {
      assertThrows(() => ipam.allocate(reserved), /is reserved/);
    }
    assertThrows(() => ipam.allocate("10.213.1.300"), /invalid IPv4 address/);
    assertEquals(ipam.allocate(), "10.213.1.2");
  }),
);

Deno.test(
  "bad pools are refused: gateway outside or on an edge, /31, a path-like name",
  withRoot((root) => {
    assertThrows(() => new BitmapIpam(root, { ...small, gateway: "10.213.2.1" }), /gateway/);
    assertThrows(() => new BitmapIpam(root, { ...small, gateway: "10.213.1.7" }), /gateway/);
    assertThrows(
      () => new BitmapIpam(root, { ...small, subnet: "10.213.1.0/31", gateway: "10.213.1.1" }),
      /too small/,
    );
    assertThrows(() => new BitmapIpam(root, { ...small, name: "../x" }), /invalid network name/);
  }),
);

Deno.test(
  "reconcile frees leaked addresses, keeps live and fresh ones",
  withRoot((root) => {
    const ipam = new BitmapIpam(root, small);
    for (let i = 0; i < 4; i++) ipam.allocate();
    // Everything is fresh: nothing may be reclaimed yet.
    assertEquals(ipam.reconcile(["10.213.1.2"]), []);
    const path = ipamPath(root, "small");
    const stored = JSON.parse(Deno.readTextFileSync(path));
    stored.recent = {};
    Deno.writeTextFileSync(path, JSON.stringify(stored));
    assertEquals(ipam.reconcile(["10.213.1.2", "10.213.1.4"]), ["10.213.1.3", "10.213.1.5"]);
    assertEquals(ipam.allocated(), ["10.213.1.2", "10.213.1.4"]);
  }),
);

Deno.test(
  "the stored bitmap of a /16 is compact and readable",
  withRoot((root) => {
    const ipam = new BitmapIpam(root, {
      name: "big",
      subnet: "10.213.0.0/16",
      gateway: "10.213.0.1",
    });
    for (let i = 0; i < 3; i++) ipam.allocate();
    ipam.allocate("10.213.255.254");
    const text = Deno.readTextFileSync(ipamPath(root, "big"));
    assert(text.length < 12_000, `${text.length} bytes`);
    const stored = JSON.parse(text);
    assertEquals(stored.subnet, "10.213.0.0/16");
    assertEquals(ipam.allocated(), ["10.213.0.2", "10.213.0.3", "10.213.0.4", "10.213.255.254"]);
    ipam.release("10.213.255.254");
    assert(Deno.readTextFileSync(ipamPath(root, "big")).length < 1000);
  }),
);

Deno.test(
  "30 processes allocating at once get 30 distinct addresses",
  withRoot(async (root) => {
    const script = `
      import { BitmapIpam } from "${IPAM_URL}";
      import { StateRoot } from "${PATHS_URL}";
      const root = new StateRoot(${JSON.stringify(root.root)});
      console.log(new BitmapIpam(root, { name: "race", subnet: "10.213.2.0/24", gateway: "10.213.2.1" }).allocate());`;
    const runs = Array.from(
      { length: 30 },
      () =>
        new Deno.Command(Deno.execPath(), { args: ["eval", script], stderr: "inherit" }).output(),
    );
    const ips = (await Promise.all(runs)).map((o) => {
      assertEquals(o.code, 0);
      return new TextDecoder().decode(o.stdout).trim();
    });
    assertEquals(new Set(ips).size, 30);
    const ipam = new BitmapIpam(root, {
      name: "race",
      subnet: "10.213.2.0/24",
      gateway: "10.213.2.1",
    });
    assertEquals(ipam.allocated().sort(), [...ips].sort());
  }),
);

Deno.test(
  "a process killed while allocating leaves a parseable state file",
  withRoot(async (root) => {
    const pool = { name: "killed", subnet: "10.213.0.0/16", gateway: "10.213.0.1" };
    const script = `
      import { BitmapIpam } from "${IPAM_URL}";
      import { StateRoot } from "${PATHS_URL}";
      const ipam = new BitmapIpam(new StateRoot(${JSON.stringify(root.root)}), ${
      JSON.stringify(pool)
    });
      console.log("ready");
      for (;;) ipam.allocate();`;
    const child = new Deno.Command(Deno.execPath(), { args: ["eval", script], stdout: "piped" })
      .spawn();
    const reader = child.stdout.getReader();
    await reader.read(); // "ready"
    const path = ipamPath(root, "killed");
    while (
      (() => {
        try {
          return Deno.statSync(path).size < 200;
        } catch {
          return true;
        }
      })()
    ) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    const ipam = new BitmapIpam(root, pool);
    const before = ipam.allocated();
    assert(before.length > 0);
    const next = ipam.allocate();
    assert(!before.includes(next));
    assertEquals(ipam.allocated().length, before.length + 1);
  }),
);

Deno.test(
  "a bitmap file a power cut left empty or torn starts afresh (its writes are not fsynced)",
  withRoot((root) => {
    const ipam = new BitmapIpam(root, small);
    ipam.allocate();
    ipam.allocate();
    for (const left of ["", '{"subnet": "10.213.1.0/29", "bitm']) {
      Deno.writeTextFileSync(ipamPath(root, small.name), left);
      assertEquals(ipam.allocated(), []);
      assertEquals(ipam.allocate(), "10.213.1.2");
      assertEquals(ipam.allocated(), ["10.213.1.2"]);
    }
  }),
);
