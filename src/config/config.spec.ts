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

  it('keeps four-eyes control off unless FOUR_EYES is on, and refuses any other value', () => {
    expect(loadConfig({}).fourEyes).toBe(false);
    expect(loadConfig({ FOUR_EYES: 'off' }).fourEyes).toBe(false);
    expect(loadConfig({ FOUR_EYES: 'on' }).fourEyes).toBe(true);
    expect(() => loadConfig({ FOUR_EYES: 'yes' })).toThrow(/FOUR_EYES must be on or off/);
  });

  it('waits 3 s for a database connection by default, from 100 ms to 60 s when set', () => {
    expect(loadConfig({}).databaseConnectTimeoutMs).toBe(3_000);
    expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '500' }).databaseConnectTimeoutMs).toBe(500);
    expect(() => loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '0' })).toThrow(
      /DATABASE_CONNECT_TIMEOUT_MS must be a whole number from 100 to 60000/,
    );
  });
});

describe('loadConfig: DATABASE_REPLICA_URLS', () => {
  const primary = 'postgres://ledger@db-primary/ledger';

  it('has no replicas by default', () => {
    expect(loadConfig({ DATABASE_URL: primary }).databaseReplicaUrls).toEqual([]);
    expect(
      loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URLS: '  ' }).databaseReplicaUrls,
    ).toEqual([]);
  });

  it('reads a comma-separated list, trimming each URL', () => {
    const config = loadConfig({
      DATABASE_URL: primary,
      DATABASE_REPLICA_URLS:
        'postgres://ledger@db-replica-1/ledger , postgresql://ledger@db-replica-2:5433/ledger',
    });
    expect(config.databaseReplicaUrls).toEqual([
      'postgres://ledger@db-replica-1/ledger',
      'postgresql://ledger@db-replica-2:5433/ledger',
    ]);
  });

  it('refuses replicas without DATABASE_URL: the embedded database has none', () => {
    expect(() =>
      loadConfig({ DATABASE_REPLICA_URLS: 'postgres://ledger@db-replica-1/ledger' }),
    ).toThrow(/DATABASE_REPLICA_URLS needs DATABASE_URL/);
  });

  it('names every bad item by position, without echoing a URL that may hold a password', () => {
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: primary,
        DATABASE_REPLICA_URLS: 'postgres://ledger@db-replica-1/ledger,,mysql://root:s3cret@db/x',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      'DATABASE_REPLICA_URLS item 2 must be a postgres:// or postgresql:// URL',
      'DATABASE_REPLICA_URLS item 3 must be a postgres:// or postgresql:// URL',
    ]);
    expect(problems.join('\n')).not.toMatch(/s3cret/);
  });

  it('is reported together with the other invalid variables', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: primary, DATABASE_REPLICA_URLS: 'db-replica-1' });
    } catch (caught) {
      error = caught;
    }
    expect((error as ConfigError).problems).toHaveLength(2);
  });
});

describe('loadConfig: rate limits and TRUST_PROXY', () => {
  const problemsOf = (env: Record<string, string>): readonly string[] => {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('limits 600 public requests and 100 failed authentications a minute, trusting no proxy, by default', () => {
    const config = loadConfig({});
    expect(config.publicRequestsPerMinute).toBe(600);
    expect(config.failedAuthPerMinute).toBe(100);
    expect(config.trustProxy).toBe(false);
  });

  it('reads explicit limits, 0 (off) included, trimmed', () => {
    expect(
      loadConfig({ RATE_LIMIT_PUBLIC_PER_MINUTE: '0', RATE_LIMIT_FAILED_AUTH_PER_MINUTE: ' 7 ' }),
    ).toMatchObject({ publicRequestsPerMinute: 0, failedAuthPerMinute: 7 });
    expect(loadConfig({ RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000000' }).publicRequestsPerMinute).toBe(
      1_000_000_000,
    );
  });

  it.each(['-1', '1.5', '1e3', 'ten', '1000000001'])(
    'refuses %s as a limit, naming both variables',
    (value) => {
      const problems = problemsOf({
        RATE_LIMIT_PUBLIC_PER_MINUTE: value,
        RATE_LIMIT_FAILED_AUTH_PER_MINUTE: value,
      });
      expect(problems).toEqual([
        `RATE_LIMIT_PUBLIC_PER_MINUTE must be a whole number from 0 to 1000000000 (got "${value}")`,
        `RATE_LIMIT_FAILED_AUTH_PER_MINUTE must be a whole number from 0 to 1000000000 (got "${value}")`,
      ]);
    },
  );

  it.each([
    ['true', true],
    ['false', false],
    ['1', 1],
    ['0', 0],
    ['loopback', 'loopback'],
    ['10.0.0.0/8, 192.168.1.7', '10.0.0.0/8, 192.168.1.7'],
    ['loopback,uniquelocal,::1', 'loopback,uniquelocal,::1'],
  ])('reads TRUST_PROXY=%s as Express takes it', (raw, expected) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toBe(expected);
  });

  it.each(['TRUE', 'yes', '10.0.0.300', 'loopback,', 'proxy.example.org', '10.0.0.0/99'])(
    'refuses TRUST_PROXY=%s at validation, not with a crash at start',
    (raw) => {
      expect(problemsOf({ TRUST_PROXY: raw })).toEqual([
        expect.stringMatching(new RegExp(`^TRUST_PROXY must be .*\\(got "${raw}"\\)$`)),
      ]);
    },
  );
});
