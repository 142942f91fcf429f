/*
 * What every WebAssembly module of wasm/ shares: the SIMD intrinsics, exports, the multiply-add
 * macros of the two builds (plain SIMD128 and relaxed SIMD) and the bump allocator.
 */
#ifndef EMBDIAG_COMMON_H
#define EMBDIAG_COMMON_H
#include <wasm_simd128.h>
#include <stdint.h>
#include <stddef.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/*
 * Multiply-adds. Built twice (wasm/build.sh): with -DRELAXED they are relaxed-SIMD madd
 * (a fused multiply-add where the hardware has one: fewer instructions, one rounding instead of
 * two), else a multiply and an add. The loader picks the relaxed build when the runtime has it.
 */
#ifdef RELAXED
#define MADD32(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)   /* a·b + c */
#define MADD64(a, b, c) wasm_f64x2_relaxed_madd(a, b, c)   /* a·b + c */
#define NMADD64(a, b, c) wasm_f64x2_relaxed_nmadd(a, b, c) /* c − a·b */
#else
#define MADD32(a, b, c) wasm_f32x4_add(c, wasm_f32x4_mul(a, b))
#define MADD64(a, b, c) wasm_f64x2_add(c, wasm_f64x2_mul(a, b))
#define NMADD64(a, b, c) wasm_f64x2_sub(c, wasm_f64x2_mul(a, b))
#endif

extern unsigned char __heap_base;
static uintptr_t heap_top;

/** 64-byte aligned bump allocation; 0 when the memory cannot grow. */
EXPORT(alloc) void *alloc(uint32_t bytes) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + 63) & ~(uintptr_t)63;
  uintptr_t end = p + bytes;
  if (end < p) return 0;
  uint32_t need = (uint32_t)((end + 65535) >> 16);
  uint32_t have = (uint32_t)__builtin_wasm_memory_size(0);
  if (need > have && __builtin_wasm_memory_grow(0, need - have) == (uint32_t)-1) return 0;
  heap_top = end;
  return (void *)p;
}

/** Frees everything allocated so far. */
EXPORT(reset) void reset(void) { heap_top = (uintptr_t)&__heap_base; }
#endif
