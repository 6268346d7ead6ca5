// Does this browser run wasm SIMD (simd128)? Feature detection as wasm-feature-detect does it: a
// module whose one function uses v128 validates only where wasm SIMD is supported.
//   (module (func (result v128) (i8x16.popcnt (i8x16.splat (i32.const 0)))))
// The worker loads the simd128 build where this is true, else the plain fallback.
export const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function hasWasmSimd() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}
