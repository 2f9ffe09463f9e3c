import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  deviceProgram,
  deviceProgramInstructions,
  type Instruction,
  Op,
} from "../../src/cgroup/device_program.ts";
import type { LinuxDeviceCgroup } from "../../src/oci/spec.ts";
import { DEFAULT_DEVICE_RULES } from "../../src/oci/default_devices.ts";

const i = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  code,
  dst,
  src,
  off,
  imm,
});
const PROLOGUE = [
  i(Op.LDX_W, 2, 1, 0, 0),
  i(Op.MOV32_X, 3, 2, 0, 0),
  i(Op.RSH32_K, 3, 0, 0, 16),
  i(Op.AND32_K, 2, 0, 0, 0xffff),
  i(Op.LDX_W, 4, 1, 4, 0),
  i(Op.LDX_W, 5, 1, 8, 0),
];
const RETURN = (v: number) => [i(Op.MOV64_K, 0, 0, 0, v), i(Op.EXIT, 0, 0, 0, 0)];

Deno.test("device program: deny all then allow c 1:3: the allow is tested first, the deny ends it", () => {
  const rules: LinuxDeviceCgroup[] = [
    { allow: false, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
  ];
  assertEquals(deviceProgramInstructions(rules), [
    ...PROLOGUE,
    i(Op.JNE_K, 2, 0, 4, 2), // type != char: skip the 5-instruction block
    i(Op.JNE_K, 4, 0, 3, 1), // major != 1
    i(Op.JNE_K, 5, 0, 2, 3), // minor != 3
    ...RETURN(1),
    ...RETURN(0), // the deny-all rule matches every request: no default after it
  ]);
});

Deno.test("device program: partial access, wildcards, no catch-all rule", () => {
  assertEquals(deviceProgramInstructions([{ allow: true, type: "c", access: "m" }]), [
    ...PROLOGUE,
    i(Op.JNE_K, 2, 0, 5, 2),
    i(Op.MOV32_X, 6, 3, 0, 0),
    i(Op.AND32_K, 6, 0, 0, 1),
    i(Op.JNE_X, 6, 3, 2, 0), // asks for more than mknod: no match
    ...RETURN(1),
    ...RETURN(0), // no rule matched: denied
  ]);
  assertEquals(deviceProgramInstructions([{ allow: false, type: "b", major: 8, access: "w" }]), [
    ...PROLOGUE,
    i(Op.JNE_K, 2, 0, 6, 1),
    i(Op.MOV32_X, 6, 3, 0, 0),
    i(Op.AND32_K, 6, 0, 0, 4),
    i(Op.JEQ_K, 6, 0, 3, 0), // asks for no write: no match
    i(Op.JNE_K, 4, 0, 2, 8),
    ...RETURN(0),
    ...RETURN(0),
  ]);
  // Rules before a catch-all can never decide and are left out.
  assertEquals(
    deviceProgramInstructions([{ allow: true, type: "c", major: 1, minor: 3 }, { allow: true }]),
    [...PROLOGUE, ...RETURN(1)],
  );
});

Deno.test("device program: 8 little-endian bytes per instruction, registers packed src<<4|dst", () => {
  const bytes = deviceProgram([{ allow: true, type: "c", major: 1, minor: 3, access: "rwm" }]);
  assertEquals(bytes.length, (6 + 5 + 2) * 8);
  assertEquals([...bytes.subarray(0, 8)], [0x61, 0x12, 0, 0, 0, 0, 0, 0]); // r2 = *(u32 *)(r1 + 0)
  assertEquals([...bytes.subarray(32, 40)], [0x61, 0x14, 4, 0, 0, 0, 0, 0]); // r4 = *(u32 *)(r1 + 4)
  assertEquals([...bytes.subarray(48, 56)], [0x55, 0x02, 4, 0, 2, 0, 0, 0]); // if r2 != 2 goto +4
  assertEquals([...bytes.subarray(bytes.length - 8)], [0x95, 0, 0, 0, 0, 0, 0, 0]);
});

Deno.test("device program: invalid rules are refused", () => {
  assertThrows(() => deviceProgram([{ allow: true, access: "rwx" }]), /invalid access "rwx"/);
  assertThrows(() => deviceProgram([{ allow: true, access: "rr" }]), /invalid access/);
  assertThrows(() => deviceProgram([{ allow: true, access: "" }]), /empty access/);
  assertThrows(() => deviceProgram([{ allow: true, type: "x" as "c" }]), /invalid type/);
  assertThrows(() => deviceProgram([{ allow: true, type: "c", major: 4096 }]), /invalid major/);
  assertThrows(() => deviceProgram([{ allow: true, type: "c", minor: 1.5 }]), /invalid minor/);
});

/** Runs the program on one request, with only the instructions the builder emits. */
function run(prog: Instruction[], type: number, access: number, major: number, minor: number) {
  const ctx = [(access << 16) | type, major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; steps < 10_000; pc++, steps++) {
    const { code, dst, src, off, imm } = prog[pc];
    switch (code) {
      case Op.LDX_W:
        r[dst] = ctx[off / 4];
        break;
      case Op.MOV32_X:
        r[dst] = r[src];
        break;
      case Op.AND32_K:
        r[dst] = (r[dst] & imm) >>> 0;
        break;
      case Op.RSH32_K:
        r[dst] = r[dst] >>> imm;
        break;
      case Op.MOV64_K:
        r[dst] = imm;
        break;
      case Op.JNE_K:
        if (r[dst] !== imm) pc += off;
        break;
      case Op.JNE_X:
        if (r[dst] !== r[src]) pc += off;
        break;
      case Op.JEQ_K:
        if (r[dst] === imm) pc += off;
        break;
      case Op.EXIT:
        return r[0];
      default:
        throw new Error(`opcode ${code}`);
    }
  }
  throw new Error("no exit");
}

/** The runtime-spec's meaning: the last rule that matches decides; none matching denies. */
function expected(
  rules: LinuxDeviceCgroup[],
  type: "c" | "b",
  access: number,
  maj: number,
  min: number,
) {
  let verdict = 0;
  for (const rule of rules) {
    const bits = [...rule.access ?? "rwm"].reduce((a, c) => a | { m: 1, r: 2, w: 4 }[c]!, 0);
    const matches = (rule.type ?? "a") === "a" || rule.type === type;
    const num = (n: number | undefined, v: number) => n === undefined || n === -1 || n === v;
    const acc = rule.allow ? (access & bits) === access : (access & bits) !== 0;
    if (matches && num(rule.major, maj) && num(rule.minor, min) && acc) {
      verdict = rule.allow ? 1 : 0;
    }
  }
  return verdict;
}

Deno.test("device program: its verdicts are the rules' (last match wins) for every request tried", () => {
  const lists: LinuxDeviceCgroup[][] = [
    [...DEFAULT_DEVICE_RULES],
    [
      { allow: true, access: "rwm" },
      { allow: false, type: "c", major: 1, access: "w" },
      { allow: true, type: "c", major: 1, minor: 3, access: "rw" },
      { allow: false, type: "b", minor: 0, access: "m" },
    ],
    [{ allow: true, type: "c", major: 10, minor: 229, access: "r" }],
    [],
  ];
  const devices: [number, number][] = [[1, 3], [1, 5], [1, 11], [5, 2], [10, 229], [136, 7], [
    8,
    0,
  ]];
  let tried = 0;
  for (const rules of lists) {
    const prog = deviceProgramInstructions(rules);
    for (const type of ["c", "b"] as const) {
      for (let access = 1; access <= 7; access++) {
        for (const [maj, min] of devices) {
          const got = run(prog, type === "b" ? 1 : 2, access, maj, min);
          const want = expected(rules, type, access, maj, min);
          assertEquals(
            got,
            want,
            `${JSON.stringify(rules)} ${type} ${maj}:${min} access ${access}`,
          );
          tried++;
        }
      }
    }
  }
  assert(tried === 4 * 2 * 7 * 7);
  // Docker's defaults: /dev/null rw allowed, /dev/kmsg read denied, its mknod allowed.
  const docker = deviceProgramInstructions(DEFAULT_DEVICE_RULES);
  assertEquals(run(docker, 2, 6, 1, 3), 1);
  assertEquals(run(docker, 2, 2, 1, 11), 0);
  assertEquals(run(docker, 2, 1, 1, 11), 1);
  assertEquals(run(docker, 2, 6, 10, 229), 0);
});
