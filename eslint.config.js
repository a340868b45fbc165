import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', 'apps/web/dist/**', 'deploy/**/*.js'] },
  js.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through @tiketi/platform config.',
        },
      ],
    },
  },
  {
    // Entry points hand the environment to loadConfig exactly once.
    files: [
      '**/src/server.ts',
      'apps/all-in-one/src/main.ts',
      'apps/all-in-one/src/first-start.child.ts',
      'packages/platform/src/service/runtime.ts',
      'packages/platform/src/config/**',
      'packages/testing/src/**',
      '**/*.test.ts',
      'test/**',
      'bench/**',
      'scripts/**',
      'vitest.config.ts',
      'apps/web/vite.config.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
);
