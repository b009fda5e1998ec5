// The package's jest tests (test-jest/): native ES modules, so jest runs under
// `node --experimental-vm-modules` and transforms nothing.
export default {
  testMatch: ['<rootDir>/test-jest/**/*.test.mjs'],
  transform: {},
  globalSetup: '<rootDir>/test-jest/global-setup.mjs',
  globalTeardown: '<rootDir>/test-jest/global-teardown.mjs',
  testTimeout: 20000,
};
