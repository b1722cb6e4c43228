// loadConfig reads the environment once at start-up: sensible defaults for a
// laptop, a refusal naming every bad variable, and no insecure production.
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@supply/service-kit/config';

/** The ConfigError loadConfig throws for env (fails the test if it does not throw one). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig('crm-api', 3000, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const CALLER_KEY = 'caller-key-0123456789abcdef012345';
const SERVICE_KEY = 'service-key-0123456789abcdef01234';
const production = {
  NODE_ENV: 'production',
  API_KEYS: `${CALLER_KEY}:admin`,
  SERVICE_API_KEY: SERVICE_KEY,
  DB_PASSWORD: 'a-real-secret',
};

describe('loadConfig with nothing set', () => {
  it('listens on the default port and reaches the local database and neighbours', () => {
    const config = loadConfig('order-service', 6000, {});
    expect(config).toMatchObject({
      service: 'order-service',
      nodeEnv: 'development',
      port: 6000,
      logLevel: 'info',
      dbPoolSize: 10,
      serviceTimeoutMs: 3000,
      subgraphTimeoutMs: 10_000,
      subgraphDeduplication: true,
      graphqlSandbox: true,
      apiKeys: null,
      serviceApiKey: undefined,
      urls: {
        crmApi: 'http://localhost:3000',
        inventory: 'http://localhost:4000',
        logistics: 'http://localhost:5000',
        orders: 'http://localhost:6000',
      },
    });
    expect(config.databaseUrl).toBe('postgresql://postgres:postgres@localhost:5432/crm_supply_db');
    expect(config.databaseUrl).toMatch(/\/crm_supply_db$/);
  });

  it('takes each service its own default port', () => {
    expect(loadConfig('crm-api', 3000, {}).port).toBe(3000);
    expect(loadConfig('logistics-service', 5000, {}).port).toBe(5000);
  });
});

describe('loadConfig refusing bad values', () => {
  it('names PORT when it is not a number', () => {
    const error = configError({ PORT: 'abc' });
    expect(error.message).toMatch(/^\s*PORT: /m);
    expect(error.message).toContain('crm-api');
  });

  it.each(['70000', '-1', '80.5'])('names PORT for %p', (port) => {
    expect(configError({ PORT: port }).message).toMatch(/^\s*PORT: /m);
  });

  it.each(['localhost:3000', 'not a url', 'ftp://crm.internal'])('names CRM_API_URL for %p', (url) => {
    expect(configError({ CRM_API_URL: url }).message).toMatch(/^\s*CRM_API_URL: /m);
  });

  it('names every bad variable at once', () => {
    const { message } = configError({ PORT: 'abc', CRM_API_URL: 'nope', DATABASE_URL: 'mysql://u:p@h/db' });
    expect(message).toMatch(/^\s*PORT: /m);
    expect(message).toMatch(/^\s*CRM_API_URL: /m);
    expect(message).toMatch(/^\s*DATABASE_URL: /m);
  });

  it('strips a trailing slash from a neighbour URL', () => {
    expect(
      loadConfig('gateway', 4000, { INVENTORY_SERVICE_URL: 'http://inventory:4000/' }).urls.inventory,
    ).toBe('http://inventory:4000');
  });
});

describe('loadConfig reading GRAPHQL_SANDBOX and the subgraph settings', () => {
  it('turns Sandbox on outside production and off in production when unset', () => {
    expect(loadConfig('gateway', 8080, {}).graphqlSandbox).toBe(true);
    expect(loadConfig('gateway', 8080, { NODE_ENV: 'test' }).graphqlSandbox).toBe(true);
    expect(loadConfig('gateway', 8080, production).graphqlSandbox).toBe(false);
    expect(loadConfig('gateway', 8080, { ...production, GRAPHQL_SANDBOX: '' }).graphqlSandbox).toBe(false);
  });

  it('follows GRAPHQL_SANDBOX when it is set, in production or not', () => {
    expect(loadConfig('gateway', 8080, { ...production, GRAPHQL_SANDBOX: 'true' }).graphqlSandbox).toBe(true);
    expect(loadConfig('gateway', 8080, { GRAPHQL_SANDBOX: 'false' }).graphqlSandbox).toBe(false);
  });

  it.each(['yes', '1', 'TRUE', 'on'])('names GRAPHQL_SANDBOX for %p', (value) => {
    const { message } = configError({ GRAPHQL_SANDBOX: value });
    expect(message).toMatch(/^\s*GRAPHQL_SANDBOX: must be true or false/m);
  });

  it('shares identical subgraph queries unless SUBGRAPH_DEDUPLICATION=false, and names a wrong value', () => {
    expect(loadConfig('gateway', 8080, {}).subgraphDeduplication).toBe(true);
    expect(loadConfig('gateway', 8080, { SUBGRAPH_DEDUPLICATION: 'false' }).subgraphDeduplication).toBe(
      false,
    );
    expect(configError({ SUBGRAPH_DEDUPLICATION: 'no' }).message).toMatch(
      /^\s*SUBGRAPH_DEDUPLICATION: must be true or false/m,
    );
  });

  it('reads SUBGRAPH_TIMEOUT_MS and names it when it is not a positive number', () => {
    expect(loadConfig('gateway', 8080, { SUBGRAPH_TIMEOUT_MS: '2500' }).subgraphTimeoutMs).toBe(2500);
    for (const value of ['0', 'soon', '-5']) {
      expect(configError({ SUBGRAPH_TIMEOUT_MS: value }).message).toMatch(/^\s*SUBGRAPH_TIMEOUT_MS: /m);
    }
  });
});

describe('loadConfig composing the database URL', () => {
  it('takes DATABASE_URL over the DB_* parts', () => {
    const url = 'postgresql://svc:s3cret@db.internal:6543/supply';
    const config = loadConfig('crm-api', 3000, { DATABASE_URL: url, DB_HOST: 'ignored', DB_NAME: 'ignored' });
    expect(config.databaseUrl).toBe(url);
  });

  it('composes the DB_* parts, encoding a password with @ and : in it', () => {
    const password = 'p@ss:w/rd';
    const config = loadConfig('crm-api', 3000, {
      DB_HOST: 'db.internal',
      DB_PORT: '6543',
      DB_USER: 'svc',
      DB_PASSWORD: password,
      DB_NAME: 'supply',
    });
    const url = new URL(config.databaseUrl);
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('db.internal');
    expect(url.port).toBe('6543');
    expect(url.username).toBe('svc');
    expect(url.pathname).toBe('/supply');
    expect(decodeURIComponent(url.password)).toBe(password);
    // Neither @ nor : appears raw where it would split the URL in the wrong place.
    expect(config.databaseUrl).toBe('postgresql://svc:p%40ss%3Aw%2Frd@db.internal:6543/supply');
  });

  it('keeps a % in DB_PASSWORD as a literal %', () => {
    for (const password of ['abc%41', 'rd%1']) {
      const config = loadConfig('crm-api', 3000, { DB_PASSWORD: password });
      expect(decodeURIComponent(new URL(config.databaseUrl).password)).toBe(password);
    }
  });

  it('names DB_HOST when it is not a host name or address', () => {
    for (const host of ['my host', '/var/run/postgresql']) {
      expect(() => loadConfig('crm-api', 3000, { DB_HOST: host })).toThrow(/DB_HOST/);
    }
    expect(new URL(loadConfig('crm-api', 3000, { DB_HOST: '[::1]' }).databaseUrl).hostname).toBe('[::1]');
  });

  it('treats an empty variable as unset and refuses DB_PORT 0', () => {
    const config = loadConfig('crm-api', 3000, { PORT: '', DB_PORT: '' });
    expect(config.port).toBe(3000);
    expect(new URL(config.databaseUrl).port).toBe('5432');
    expect(() => loadConfig('crm-api', 3000, { DB_PORT: '0' })).toThrow(/DB_PORT/);
  });
});

describe('loadConfig reading API_KEYS', () => {
  it('names every bad entry and a key listed twice', () => {
    expect(() => loadConfig('crm-api', 3000, { API_KEYS: 'a:boss,b:king,c:reader,c:admin' })).toThrow(
      /entry 1 is not key:role[\s\S]*entry 2 is not key:role[\s\S]*entry 4 repeats a key/,
    );
  });

  it('maps each key to its role', () => {
    const config = loadConfig('crm-api', 3000, { API_KEYS: 'k1:reader,k2:admin', SERVICE_API_KEY: 's' });
    expect(config.apiKeys).toEqual(
      new Map([
        ['k1', 'reader'],
        ['k2', 'admin'],
      ]),
    );
  });

  it('tolerates spaces around entries', () => {
    const config = loadConfig('crm-api', 3000, { API_KEYS: ' k1:reader , k2:writer ', SERVICE_API_KEY: 's' });
    expect(config.apiKeys).toEqual(
      new Map([
        ['k1', 'reader'],
        ['k2', 'writer'],
      ]),
    );
  });

  it('refuses API_KEYS without SERVICE_API_KEY outside production too, naming SERVICE_API_KEY', () => {
    const { message } = configError({ API_KEYS: 'k1:reader', NODE_ENV: 'development' });
    expect(message).toMatch(/API_KEYS is set but SERVICE_API_KEY is not; set SERVICE_API_KEY/);
  });

  it('treats an empty API_KEYS as none', () => {
    expect(loadConfig('crm-api', 3000, { API_KEYS: '' }).apiKeys).toBeNull();
  });

  it.each(['secret1:boss', 'secret1', 'secret1:reader:extra', ':admin'])(
    'names the bad entry %p by its position, never printing it',
    (entry) => {
      const { message } = configError({ API_KEYS: `k0:reader,${entry}` });
      expect(message).toMatch(/^\s*API_KEYS: entry 2 is not key:role/m);
      expect(message).not.toContain('secret1');
    },
  );
});

describe('loadConfig in production', () => {
  it('refuses to start without API_KEYS, and says so', () => {
    const { message } = configError({ ...production, API_KEYS: '' });
    expect(message).toContain('API_KEYS');
    expect(message).not.toContain('password');
  });

  it.each(['postgres', 'password', 'changeme', ''])(
    'refuses the default database password %p, and says so',
    (pw) => {
      const { message } = configError({ ...production, DB_PASSWORD: pw });
      expect(message).toContain('DB_PASSWORD');
      expect(message).toMatch(/password is a default/);
      expect(message).not.toMatch(/^\s*API_KEYS/m);
    },
  );

  it('refuses a default password given inside DATABASE_URL too', () => {
    const { message } = configError({
      ...production,
      DATABASE_URL: 'postgresql://app:postgres@db:5432/crm_supply_db',
    });
    expect(message).toContain('DATABASE_URL');
    expect(message).toMatch(/password is a default/);
  });

  it('names both problems when both are there', () => {
    const { message } = configError({ NODE_ENV: 'production' });
    expect(message).toContain('API_KEYS');
    expect(message).toContain('DB_PASSWORD');
  });

  it('does not ask a process without a database (the gateway) for a database password', () => {
    const { DB_PASSWORD: _, ...gatewayEnv } = production;
    const config = loadConfig('gateway', 8080, gatewayEnv, { database: false });
    expect(config.nodeEnv).toBe('production');
    expect(() => loadConfig('gateway', 8080, { NODE_ENV: 'production' }, { database: false })).toThrow(
      /API_KEYS/,
    );
    expect(() => loadConfig('crm-api', 3000, gatewayEnv)).toThrow(/password is a default/);
  });

  it('refuses to start without SERVICE_API_KEY, and says so', () => {
    const { SERVICE_API_KEY: _, ...withoutServiceKey } = production;
    expect(configError(withoutServiceKey).message).toMatch(/^\s*SERVICE_API_KEY: must be set in production/m);
  });

  it('refuses keys shorter than 32 characters, naming the variable but not the key', () => {
    const short = configError({ ...production, API_KEYS: `${CALLER_KEY}:admin,k:reader` }).message;
    expect(short).toMatch(/^\s*API_KEYS: entry 2 is shorter than 32 characters/m);
    const shortService = configError({ ...production, SERVICE_API_KEY: 'svc-short' }).message;
    expect(shortService).toMatch(/^\s*SERVICE_API_KEY: must be at least 32 characters/m);
    expect(`${short}${shortService}`).not.toMatch(/svc-short|\bk\b:/);
  });

  it('refuses a caller key equal to the service key', () => {
    const { message } = configError({ ...production, API_KEYS: `${SERVICE_KEY}:reader` });
    expect(message).toMatch(/^\s*API_KEYS: a caller key equals SERVICE_API_KEY/m);
    expect(message).not.toContain(SERVICE_KEY);
  });

  it('starts with long API keys, a service key of its own and a real password', () => {
    const config = loadConfig('crm-api', 3000, production);
    expect(config.nodeEnv).toBe('production');
    expect(config.apiKeys).toEqual(new Map([[CALLER_KEY, 'admin']]));
    expect(decodeURIComponent(new URL(config.databaseUrl).password)).toBe('a-real-secret');
  });
});

describe('loadConfig reading CORS_ORIGINS', () => {
  it('allows pages on this machine outside production and none in production when unset', () => {
    expect(loadConfig('gateway', 8080, {}).corsOrigins).toEqual(['http://localhost:*', 'http://127.0.0.1:*']);
    expect(loadConfig('gateway', 8080, production).corsOrigins).toEqual([]);
  });

  it('takes the listed origins, in production or not, without a trailing slash', () => {
    const env = { ...production, CORS_ORIGINS: 'https://ops.example.com/, http://10.0.0.5:*' };
    expect(loadConfig('gateway', 8080, env).corsOrigins).toEqual([
      'https://ops.example.com',
      'http://10.0.0.5:*',
    ]);
  });

  it.each(['*', 'ops.example.com', 'https://ops.example.com/dash', 'ftp://ops.example.com'])(
    'names the entry %p that is no origin',
    (entry) => {
      const { message } = configError({ CORS_ORIGINS: `https://ok.example.com,${entry}` });
      expect(message).toMatch(/^\s*CORS_ORIGINS: /m);
      expect(message).toContain(`"${entry}"`);
    },
  );
});
