import { describe, expect, it } from 'vitest';
import { compileLoop } from '../../src/kernels/compile';

describe('compileLoop', () => {
  it('compiles a loop over its parameters', () => {
    const sum = compileLoop<(a: Float64Array, n: number) => number>('test-sum', ['a', 'n'], '"use strict";\nlet s = 0;\nfor (let i = 0; i < n; i++) s += a[i];\nreturn s;');
    expect(sum(new Float64Array([1, 2, 3, 4]), 3)).toBe(6);
  });

  it('names the generated code in stack traces (and so in CPU profiles)', () => {
    const fail = compileLoop<() => void>('test-fail', [], 'throw new Error("boom");');
    let stack = '';
    try {
      fail();
    } catch (e) {
      stack = (e as Error).stack ?? '';
    }
    expect(stack).toContain('weir-generated/test-fail.js');
  });
});
