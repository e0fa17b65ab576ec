// Proves that configuration is validated once, with defaults, and that every bad variable is
// reported in the same error.
import { ConfigError, loadConfig } from '#src/config/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(config.pscRate).toBe('0.08');
    expect(config.operatingReserveRate).toBe('0');
    expect(config.receiptSigningKey).toBeNull();
    expect(config.logLevel).toBe('info');
    expect(config.bodyLimitBytes).toBe(1_048_576);
  });

  it('reads explicit values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@localhost/db',
      PSC_RATE: '0.07',
      OPERATING_RESERVE_RATE: '0.15',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u@localhost/db',
      pscRate: '0.07',
      operatingReserveRate: '0.15',
      logLevel: 'debug',
    });
  });

  it('lists every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', PSC_RATE: '1.5', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/PSC_RATE/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
  });
});
