/**
 * The machine line `npm run bench` prints with every run (issue #17: the CPU model and its SIMD
 * flags): parsing of /proc/cpuinfo texts as Linux writes them on x86 (`model name`, `flags`) and
 * on Arm (`Features`, no model name).
 */
import test from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

// an ES module script; node ≥ 20.19 requires ES modules synchronously
const machine = require(path.join(__dirname, '..', '..', '..', 'scripts', 'bench_machine.mjs')) as {
  cpuFlagsOf(text: string): string[];
  simdFlagsOf(text: string): string[];
  cpuModelOf(text: string): string | null;
};

// two processors, as on a 2-core KVM guest; the second's flags must not be read
const X86 = `processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu vme sse sse2 ht syscall nx ssse3 fma cx16 sse4_1 sse4_2 popcnt avx f16c hypervisor avx2 avx512f avx512dq avx512bw avx512vl avx512_bf16 avx512_vnni
bugs\t\t: sysret_ss_attrs

processor\t: 1
model name\t: AMD EPYC 9R14 96-Core Processor
flags\t\t: fpu sse sse2 amx_tile
`;

const ARM = `processor\t: 0
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp sve
CPU implementer\t: 0x41
`;

test('x86 /proc/cpuinfo: the model name and the SIMD flags of the first processor, widest last, other flags left out', () => {
  assert.equal(machine.cpuModelOf(X86), 'AMD EPYC 9R14 96-Core Processor');
  assert.deepEqual(machine.simdFlagsOf(X86), ['sse2', 'ssse3', 'sse4_1', 'sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16']);
  assert.ok(machine.cpuFlagsOf(X86).includes('hypervisor'));
  assert.ok(!machine.cpuFlagsOf(X86).includes('amx_tile'));
});

test('Arm /proc/cpuinfo: the Features line gives the SIMD flags; no model name', () => {
  assert.equal(machine.cpuModelOf(ARM), null);
  assert.deepEqual(machine.simdFlagsOf(ARM), ['asimd', 'asimdhp', 'asimddp', 'sve']);
});

test('no /proc/cpuinfo (not Linux): no flags, no model', () => {
  assert.deepEqual(machine.simdFlagsOf(''), []);
  assert.equal(machine.cpuModelOf(''), null);
});
