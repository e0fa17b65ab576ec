// Jest runs the TypeScript sources through SWC as CommonJS. NestJS 12 ships as ES modules, so
// its packages are transformed too; `.js` suffixes of our ESM imports are mapped back to sources.
const swc = JSON.parse(
  (await import('node:fs')).readFileSync(new URL('./.swcrc', import.meta.url)),
);

const shared = {
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { ...swc, swcrc: false }] },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@electric-sql|@apidevtools)/)'],
  moduleNameMapper: {
    '^#src/(.*)\\.js$': '<rootDir>/src/$1',
    '^#migrations/(.*)\\.js$': '<rootDir>/migrations/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/setup-env.cjs'],
};

export default {
  testTimeout: 60_000,
  // A suite that leaves a socket open (keep-alive fetch, a child process) must not hang CI.
  forceExit: true,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'http',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
};
