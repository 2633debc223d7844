/**
 * Compiles a generated loop: `new Function(...params, body)`, with a `//# sourceURL` that
 * names it, so that CPU profiles and stack traces show `weir-generated/<name>.js` instead
 * of one anonymous entry for every generated function. Pure: no RxJS, no Arrow objects.
 *
 * Each call makes a new function with its own type feedback; callers cache what they
 * compile (one function per source and typed-array classes keeps its loads monomorphic).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function compileLoop<F extends Function>(name: string, params: readonly string[], body: string): F {
  return new Function(...params, `${body}\n//# sourceURL=weir-generated/${name}.js`) as F;
}
