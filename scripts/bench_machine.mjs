// The machine a bench ran on, printed with every run (issue #17): CPU model, its SIMD extensions
// (what numpy's BLAS, torch and our WebAssembly kernels can use), cores, memory, hypervisor.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * SIMD extensions worth naming, in the order printed: x86 (/proc/cpuinfo `flags`) then Arm
 * (`Features`). WebAssembly SIMD is 128 bits wide whatever the CPU has; BLAS uses the widest.
 */
const SIMD_FLAGS = [
  'sse2', 'ssse3', 'sse4_1', 'sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx_vnni',
  'avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl', 'avx512ifma', 'avx512vbmi', 'avx512_vbmi2',
  'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_tile', 'amx_bf16',
  'asimd', 'asimdhp', 'asimddp', 'sve', 'sve2',
];

/** The first processor's flags (x86 `flags`, Arm `Features`) of a /proc/cpuinfo text. */
export function cpuFlagsOf(cpuinfo) {
  return /^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [];
}

/** The SIMD extensions among a /proc/cpuinfo text's flags, in SIMD_FLAGS order. */
export function simdFlagsOf(cpuinfo) {
  const flags = new Set(cpuFlagsOf(cpuinfo));
  return SIMD_FLAGS.filter(f => flags.has(f));
}

/** The first processor's model name of a /proc/cpuinfo text (x86 `model name`, some Arm kernels `Model`), or null. */
export function cpuModelOf(cpuinfo) {
  return /^(?:model name|Model)\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() || null;
}

export function machineInfo() {
  let cpuinfo = '';
  try { cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* not Linux */ }
  const lscpu = spawnSync('lscpu', [], { encoding: 'utf8' }).stdout ?? '';
  const model = cpuModelOf(cpuinfo) ?? /Model name:\s*(.*)/.exec(lscpu)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?';
  const flags = cpuFlagsOf(cpuinfo);
  const simdFlags = simdFlagsOf(cpuinfo);
  const simd = ['avx512f', 'avx2', 'avx', 'sse4_2', 'sve2', 'sve', 'asimd'].find(f => simdFlags.includes(f)) ?? '';
  const hypervisor = flags.includes('hypervisor') ? ((/Hypervisor vendor:\s*(.*)/.exec(lscpu)?.[1] ?? 'yes').trim() + ' guest') : '';
  return {
    cpus: os.cpus().length, model, simd, simdFlags, hypervisor, memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version, os: `${os.type()} ${os.release()}`,
  };
}

/** One line for the top of a bench's output: model, SIMD extensions, cores, hypervisor, load. */
export function machineLine(m) {
  return `cpu: ${m.model}, ${m.cpus} cores${m.hypervisor ? `, ${m.hypervisor}` : ''}; SIMD: ${m.simdFlags.length ? m.simdFlags.join(' ') : 'none of the known extensions listed in /proc/cpuinfo'}` +
    `; load average ${os.loadavg().map(x => x.toFixed(1)).join(' ')} (1/5/15 min) at the start`;
}
