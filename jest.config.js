/**
 * Jest runs the TypeScript sources directly through @swc/jest, as native ESM
 * (NODE_OPTIONS=--experimental-vm-modules, set by scripts/test.js). Type-checking is
 * `tsc -b`'s job, done before the tests. Workspace packages resolve to their `src/`.
 */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@triggers/(config|db|delivery|logger|queue|runtime|telemetry|webhooks|testing|client)$':
      '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: [
    '<rootDir>/apps/*/test/**/*.test.ts',
    '<rootDir>/packages/*/test/**/*.test.ts',
    '<rootDir>/scripts/test/**/*.test.ts',
  ],
  globalSetup: '<rootDir>/scripts/jest-global-setup.js',
  globalTeardown: '<rootDir>/scripts/jest-global-teardown.js',
  testTimeout: 30_000,
};
