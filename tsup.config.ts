import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', 'testing/vitest': 'src/testing/vitest.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  external: ['rxjs', 'apache-arrow', 'date-fns', 'fast-check', 'vitest'],
});
