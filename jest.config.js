/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFilesAfterEnv: ['<rootDir>/tests/support/failOnUnhandled.ts'],
  testTimeout: 20000,
  maxWorkers: 2,
  // A worker given 500 ms (the default) to exit after its last file was force-exited now and then
  // on a loaded 2-core machine, with a warning about leaks; the worker's active handles listed at the
  // end of every test file were only its IPC pipe and stdio: it was slow to exit, not held.
  workerGracefulExitTimeout: 5000,
};
