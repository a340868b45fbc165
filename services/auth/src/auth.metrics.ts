import { Counter, type Registry } from 'prom-client';

export interface AuthMetrics {
  registrations: Counter<string>;
  logins: Counter<'result'>;
  refreshes: Counter<'result'>;
  throttleUnavailable: Counter<'operation'>;
  passwordChanges: Counter<'result'>;
  accountClosures: Counter<'result'>;
  passwordResets: Counter<'result'>;
}

/** Business counters on the service's registry (dashboards: sign-ups, failed logins, token reuse). */
export function createAuthMetrics(registry: Registry): AuthMetrics {
  return {
    registrations: new Counter({
      name: 'auth_registrations_total',
      help: 'Accounts registered',
      registers: [registry],
    }),
    logins: new Counter({
      name: 'auth_logins_total',
      help: 'Login attempts by result (success, invalid, throttled)',
      labelNames: ['result'],
      registers: [registry],
    }),
    refreshes: new Counter({
      name: 'auth_token_refreshes_total',
      help: 'Refresh-token exchanges by result (rotated, invalid, reused)',
      labelNames: ['result'],
      registers: [registry],
    }),
    throttleUnavailable: new Counter({
      name: 'auth_login_throttle_unavailable_total',
      help: 'Login throttle operations skipped because coordination was unavailable (check, record, clear)',
      labelNames: ['operation'],
      registers: [registry],
    }),
    passwordChanges: new Counter({
      name: 'auth_password_changes_total',
      help: 'Password changes by result (changed, wrong_password, throttled, conflict)',
      labelNames: ['result'],
      registers: [registry],
    }),
    accountClosures: new Counter({
      name: 'auth_account_closures_total',
      help: 'Accounts closed by their owners, by result (closed, wrong_password, throttled, open_bookings, conflict)',
      labelNames: ['result'],
      registers: [registry],
    }),
    passwordResets: new Counter({
      name: 'auth_password_resets_total',
      help: 'Password-reset requests and resets by result (mailed, unknown_email, account_limit, throttled, failed, reset, invalid_link)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
