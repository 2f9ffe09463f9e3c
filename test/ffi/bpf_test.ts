import { assert, assertEquals } from "../_assert.ts";
import { BPF_PROG_TYPE_CGROUP_DEVICE } from "../../ffi/constants.ts";
import { SyscallError } from "../../ffi/errno.ts";
import { LinuxKernel } from "../../ffi/linux.ts";
import { encodeInstructions, Op } from "../../src/cgroup/device_program.ts";

Deno.test("bpf: a program the verifier refuses throws naming the call, with the verifier's log", () => {
  // r0 = 1 and no exit: the verifier refuses falling off the end.
  const noExit = encodeInstructions([{ code: Op.MOV64_K, dst: 0, src: 0, off: 0, imm: 1 }]);
  let error: unknown;
  try {
    new LinuxKernel().bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, noExit, "Apache-2.0", "dgsh_test");
  } catch (err) {
    error = err;
  }
  assert(error instanceof SyscallError, `${error}`);
  assertEquals(error.call, "bpf");
  assertEquals(error.code, "EINVAL");
  assert(
    error.message.startsWith("bpf BPF_PROG_LOAD dgsh_test (1 instruction): verifier: "),
    error.message,
  );
  assert(/jump out of range|exit|fall/i.test(error.message), error.message);
});

Deno.test("bpf: a program that is accepted gives a close-on-exec fd", () => {
  const kernel = new LinuxKernel();
  const ok = encodeInstructions([
    { code: Op.MOV64_K, dst: 0, src: 0, off: 0, imm: 1 },
    { code: Op.EXIT, dst: 0, src: 0, off: 0, imm: 0 },
  ]);
  const fd = kernel.bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, ok, "Apache-2.0", "dgsh_test");
  try {
    assert(fd > 2, `fd ${fd}`);
    const flags = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`).match(/flags:\s+(\d+)/)![1];
    assert((parseInt(flags, 8) & 0o2000000) !== 0, `O_CLOEXEC in ${flags}`);
  } finally {
    kernel.close(fd);
  }
});
