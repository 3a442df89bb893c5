// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports point one way: cli/main → io → core; console/web imports only engine/core/protocol. */
const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'net', 'dgram', 'http', 'https', 'child_process', 'worker_threads', 'crypto', 'stream', 'events', 'url', 'util', 'process', 'timers'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.tmp*', '.tmp*/**', 'test-output/**', 'console/electron/**', 'bin/**', '**/*.cjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['engine/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'engine/core is pure: no Node imports (move I/O to engine/io).' },
          { group: ['**/io/**', '**/cli/**', '**/main', '**/main.js', '**/console/**'], message: 'engine/core must not import io, cli, main or console.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Time is injected: use the SchedulerLike.' },
        { name: 'setInterval', message: 'Time is injected: use the SchedulerLike.' },
        { name: 'process', message: 'engine/core is pure.' },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Time is injected: read it from the scheduler.' }],
    },
  },
  {
    files: ['engine/io/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/cli/**', '**/main', '**/main.js', '**/console/**'], message: 'engine/io may import core only.' }],
      }],
    },
  },
  {
    files: ['console/web/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'The console page runs in a browser.' },
          { regex: '(^|/)engine/(?!core/protocol(/|$))', message: 'console/web imports only engine/core/protocol.' },
        ],
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
