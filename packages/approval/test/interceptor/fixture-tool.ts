import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SensitiveAction } from '@astrid/core';
import type { SecurityInterceptor } from '../../src/interceptor.js';

const run = promisify(execFile);

/**
 * A fixture tool: writes `content` to the sentinel file and spawns a child process that
 * leaves a marker file. It does both only through `interceptor.execute`, so without a
 * genuine Authorization neither the file changes nor a process starts.
 */
export function fixtureTool(interceptor: SecurityInterceptor, dir: string) {
  const sentinel = join(dir, 'sentinel.txt');
  const marker = join(dir, 'spawned.marker');
  const action = (content: string): SensitiveAction => ({
    kind: 'file_write',
    path: sentinel,
    bytes: content.length,
  });
  return {
    sentinel,
    marker,
    action,
    async call(authorization: unknown, content: string): Promise<string> {
      return interceptor.execute(authorization, action(content), async () => {
        await writeFile(sentinel, content);
        await run(process.execPath, [
          '-e',
          `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`,
        ]);
        return { value: 'written', output: content };
      });
    },
  };
}
