import { describe, expect, it } from 'vitest';
import { lazyModule } from '../src/lazy.js';

describe('lazyModule', () => {
  it('imports nothing until the first load, then once for every caller', async () => {
    let imports = 0;
    const m = lazyModule(async () => {
      imports++;
      return { value: 42 };
    });
    expect(imports).toBe(0);
    expect(m.loaded).toBeUndefined();
    const [a, b] = await Promise.all([m.load(), m.load()]);
    expect(imports).toBe(1);
    expect(a).toBe(b);
    expect(m.loaded).toBe(a);
  });
});
