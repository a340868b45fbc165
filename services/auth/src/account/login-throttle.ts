import { AppError, type Coordination } from '@tiketi/platform';

export interface LoginThrottleOptions {
  maxPerAccount: number;
  maxPerIp: number;
  windowSeconds: number;
}

/**
 * Counts failed logins per account and per client IP in coordination (shared by every replica).
 * Once a counter reaches its limit, attempts are refused with 429 until its window runs out, even
 * with the right password: a guesser learns nothing from a locked account.
 */
export class LoginThrottle {
  constructor(
    private readonly coordination: Coordination,
    private readonly options: LoginThrottleOptions,
  ) {}

  private keys(email: string, ip: string): { account: string; ip: string } {
    return { account: `auth:login-fail:acct:${email}`, ip: `auth:login-fail:ip:${ip}` };
  }

  async assertAllowed(email: string, ip: string): Promise<void> {
    const keys = this.keys(email, ip);
    const [account, byIp] = (await this.coordination.mget([keys.account, keys.ip])).map((v) =>
      Number(v ?? 0),
    );
    const blocked: string[] = [];
    if (account! >= this.options.maxPerAccount) blocked.push(keys.account);
    if (byIp! >= this.options.maxPerIp) blocked.push(keys.ip);
    if (blocked.length === 0) return;
    let retryMs = 0;
    for (const key of blocked) retryMs = Math.max(retryMs, await this.coordination.ttl(key));
    const retryAfter = Math.max(
      1,
      Math.ceil((retryMs > 0 ? retryMs : this.options.windowSeconds * 1000) / 1000),
    );
    throw new AppError(
      'rate_limited',
      'TOO_MANY_ATTEMPTS',
      'Too many failed sign-in attempts; try again later',
      {
        details: { retryAfterSeconds: retryAfter },
        headers: { 'retry-after': String(retryAfter) },
      },
    );
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const keys = this.keys(email, ip);
    const ttlMs = this.options.windowSeconds * 1000;
    await Promise.all([
      this.coordination.incr(keys.account, { ttlMs }),
      this.coordination.incr(keys.ip, { ttlMs }),
    ]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.coordination.del(this.keys(email, '').account);
  }
}
