import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { vscode: fileURLToPath(new URL('./test/unit/vscode.ts', import.meta.url)) },
  },
  test: {
    include: ['extension/test/unit/**/*.test.ts', 'extension/test/browser/**/*.test.ts'],
    root: fileURLToPath(new URL('..', import.meta.url)),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
