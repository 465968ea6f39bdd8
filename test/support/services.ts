/**
 * Where the integration tests find the real services. .ci/run creates the role and database.
 * A missing service makes the tests that need it fail loudly: they never skip.
 */
export const TEST_DATABASE_URL = process.env.AGENTCTL_TEST_DATABASE_URL ?? 'postgres://agentctl@127.0.0.1:5432/agentctl_test'
export const TEST_REDIS_URL = process.env.AGENTCTL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const TEST_NATS_URL = process.env.AGENTCTL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'
