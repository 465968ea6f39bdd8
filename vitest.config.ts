import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{src,agent,commands,checks,harness,reports,test,fixtures}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    // oclif writes straight to stdout; let it through instead of buffering per test.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration tests share real Redis/PostgreSQL; two workers match the 2-core CI machines.
    maxWorkers: 2,
    // Checks the services are up and creates the test role and database when missing (issue 20).
    globalSetup: ['test/support/global-setup.ts'],
  },
})
