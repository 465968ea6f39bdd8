// The catalogue is a contract the engine owns (src/contracts/mock-scenarios.ts); the mock serves it.
export * from '../../src/contracts/mock-scenarios.js'
