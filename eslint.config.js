import js from '@eslint/js';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Folders that sit above the client: they reach the services only over HTTP or injection. */
const ABOVE_CLIENT = ['./cli', './sim', './scenarios', './loadtests', './reports'];
const SERVICE_LAYERS = [
  './services/app',
  './services/routers',
  './services/logic',
  './services/db',
];

/**
 * Load tests that still mint their tokens with services/logic (generateKeystore,
 * mintAccessToken) instead of going through the box: issue 16 rewrites the benchmarks.
 */
const LOADTESTS_MINTING_TOKENS = ['soak'];

/**
 * Imports point down only (DESIGN.md, Layers): each zone forbids `target` from importing
 * `from`. A hidden upward import fails the lint instead of waiting for review.
 */
const layerZones = (forTests) =>
  [
    {
      target: './services/core',
      from: [...SERVICE_LAYERS, './fixtures', './client', './ca', ...ABOVE_CLIENT],
    },
    {
      target: './services/db',
      from: [
        './services/app',
        './services/routers',
        './services/logic',
        './fixtures',
        ...ABOVE_CLIENT,
      ],
    },
    {
      target: './services/logic',
      from: ['./services/app', './services/routers', './fixtures', ...ABOVE_CLIENT],
    },
    { target: './services/routers', from: ['./services/app', './fixtures', ...ABOVE_CLIENT] },
    { target: './services/app', from: ['./fixtures', ...ABOVE_CLIENT] },
    { target: './fixtures', from: SERVICE_LAYERS.concat(ABOVE_CLIENT, ['./ca']) },
    { target: './ca', from: [...SERVICE_LAYERS, './fixtures', './client', ...ABOVE_CLIENT] },
    { target: './client', from: [...SERVICE_LAYERS, './idp', ...ABOVE_CLIENT] },
    { target: './sim', from: [...SERVICE_LAYERS, './cli', './loadtests', './scenarios'] },
    { target: './scenarios', from: [...SERVICE_LAYERS, './cli', './loadtests'] },
    {
      target: './reports',
      from: [...SERVICE_LAYERS, './client', './cli', './sim', './scenarios', './loadtests'],
    },
    // cli/ wires the box, so it may import every layer; only a benchmark is above it.
    { target: './cli', from: ['./loadtests'] },
    // Load tests drive a box (cli/, or buildApp from services/index.ts) through the client or
    // HTTP: never a router, the logic, a DB or the IdP directly.
    { target: './loadtests', from: ['./services/routers', './services/db', './idp'] },
    {
      target: [`./loadtests/!(${LOADTESTS_MINTING_TOKENS.join('|')}).ts`, './loadtests/*/**'],
      from: ['./services/logic'],
    },
    {
      target: './idp',
      from: [...SERVICE_LAYERS, './fixtures', './client', './ca', ...ABOVE_CLIENT],
    },
    // The containers profile's servers: started by cli/, built on services/core only.
    {
      target: './containers',
      from: [...SERVICE_LAYERS, './fixtures', './client', './ca', './idp', ...ABOVE_CLIENT],
    },
    {
      target: ['./services', './fixtures', './client', './ca', './idp', './sim', './scenarios'],
      from: ['./containers'],
    },
  ].map((zone) => ({
    ...zone,
    // Tests take shared inputs from fixtures/ and may build the whole app to drive a router.
    from: forTests
      ? zone.from.filter((f) => !['./fixtures', './services/app', './client'].includes(f))
      : zone.from,
  }));

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/out/**', '.venv/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    plugins: { 'import-x': importX },
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', performance: 'readonly' },
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layerZones(false) }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Test kits (*.testkit.ts) are shared by tests and held to the tests' rules.
    files: ['**/*.test.ts', '**/*.testkit.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones(true) }] },
  },
  {
    files: ['services/logic/**', 'services/db/**', 'services/core/**'],
    rules: {
      // Logic and below are plain functions over interfaces: no HTTP framework.
      'no-restricted-imports': ['error', { patterns: ['fastify', '@fastify/*'] }],
    },
  },
  {
    files: ['services/**', 'fixtures/**', 'sim/**', 'scenarios/**'],
    ignores: ['**/*.test.ts', '**/*.testkit.ts'],
    rules: {
      // Time and randomness are injected (Clock, Rng) so that runs can be replayed.
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'draw from the injected Rng' },
        { object: 'Date', property: 'now', message: 'read the injected Clock' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'settings are passed down from cli/' },
      ],
    },
  },
);
