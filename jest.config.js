/**
 * Tiers: unit (no I/O), integration (real PostgreSQL, Redis and the embedded database), kwok,
 * openstack (the OpenStack testbed), e2e (the service as a process).
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'es6' },
  },
];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/integration.ts'],
    },
    {
      ...common,
      displayName: 'kwok',
      testMatch: ['<rootDir>/test/kwok/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/e2e.ts'],
    },
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/faults.ts'],
    },
    {
      ...common,
      displayName: 'openstack',
      testMatch: ['<rootDir>/test/openstack/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/openstack.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts/e2e.ts'],
    },
  ],
};
