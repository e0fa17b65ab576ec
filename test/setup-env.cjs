// Libraries such as nestjs-pino read the environment when they are imported, so the test
// environment is fixed here, before any test module loads.
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'silent';
process.env.NODE_ENV = 'test';
