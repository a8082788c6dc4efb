/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking happens once in `npm test` (tsc --noEmit); here ts-jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  coveragePathIgnorePatterns: ['/node_modules/', '/imports/'],
  // promtool runs a few hundred rule tests per case; on 2 shared cores that can take minutes.
  testTimeout: 240000,
  // os.tmpdir() is a folder of the run's, removed at its end (test/util/tmpdir.ts).
  globalSetup: '<rootDir>/test/util/global-setup.ts',
  globalTeardown: '<rootDir>/test/util/global-teardown.ts',
};
