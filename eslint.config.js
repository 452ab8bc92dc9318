// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '.scratch*/',
      'dist/',
      'node_modules/',
      'coverage/',
      'out/',
      'artifacts/',
      'samples/generated/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        window: 'readonly',
        document: 'readonly',
        WebSocket: 'readonly',
        requestAnimationFrame: 'readonly',
        location: 'readonly',
        Image: 'readonly',
        Blob: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    // Dependencies point one way (STYLE.md §11): decode knows nothing of the later stages,
    // track and classify know nothing of stream or the CLI.
    files: ['src/decode/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['../track/*', '../classify/*', '../stream/*', '../cli/*', '../eval/*'] },
      ],
    },
  },
  {
    // The dashboard is plain browser JS (not compiled by tsc): browser globals only.
    files: ['src/stream/dashboard/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        createImageBitmap: 'readonly',
        TextDecoder: 'readonly',
        URLSearchParams: 'readonly',
        DataView: 'readonly',
      },
    },
  },
  {
    files: ['src/track/**/*.ts', 'src/classify/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../stream/*', '../cli/*'] }],
    },
  },
);
