import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config/config.loader.js';
import { parseRateLimitRule } from './rate-limit-rule.js';

describe('rate limit rules', () => {
  it('reads N/period with seconds, minutes or hours, and off', () => {
    expect(parseRateLimitRule('60/1m')).toEqual({ limit: 60, periodSeconds: 60 });
    expect(parseRateLimitRule('5/10s')).toEqual({ limit: 5, periodSeconds: 10 });
    expect(parseRateLimitRule('1000/24h')).toEqual({ limit: 1000, periodSeconds: 86_400 });
    expect(parseRateLimitRule('off')).toBeNull();
  });

  it('refuses zero, missing units, periods over a day and anything else', () => {
    for (const text of ['0/1m', '5/0s', '60', '60/m', '60/1d', '60/25h', '-1/1m', '1.5/1m', '60 / 1m', '']) expect(parseRateLimitRule(text)).toBeUndefined();
  });

  it('defaults to the documented limits and names the variable of a bad value', () => {
    const { config } = loadConfig({});
    expect(config.rateLimits).toEqual({
      signInPerIp: { limit: 60, periodSeconds: 60 },
      signInPerAccount: { limit: 10, periodSeconds: 60 },
      tokenPerClient: { limit: 6000, periodSeconds: 60 },
      adminPerCaller: { limit: 1200, periodSeconds: 60 },
    });
    expect(loadConfig({ OPENTRUSTY_RATE_LIMIT_TOKEN_PER_CLIENT: 'off' }).config.rateLimits.tokenPerClient).toBeNull();
    expect(() => loadConfig({ OPENTRUSTY_RATE_LIMIT_ADMIN_PER_CALLER: 'lots' })).toThrow(/OPENTRUSTY_RATE_LIMIT_ADMIN_PER_CALLER/);
  });
});
