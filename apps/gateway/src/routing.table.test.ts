import { describe, expect, it } from 'vitest';
import { isAdminPath, routingTable, upstreamFor } from './routing.table';

describe('routing table', () => {
  it('sends each public path to the service the contract names', () => {
    expect(upstreamFor('/api/auth/login')).toBe('auth');
    expect(upstreamFor('/.well-known/jwks.json')).toBe('auth');
    expect(upstreamFor('/api/admin/users?q=kim')).toBe('auth');
    expect(upstreamFor('/api/admin/users/usr_1')).toBe('auth');
    expect(upstreamFor('/api/events/evt_1/seats')).toBe('ticket');
    expect(upstreamFor('/api/files/posters/a.webp')).toBe('ticket');
    expect(upstreamFor('/socket.io/?EIO=4')).toBe('ticket');
    expect(upstreamFor('/api/admin/reservations.csv?status=confirmed')).toBe('ticket');
    expect(upstreamFor('/api/admin/aliases')).toBe('ticket');
    expect(upstreamFor('/api/payments/toss/webhook')).toBe('payment');
    expect(upstreamFor('/api/admin/payments/pay_1')).toBe('payment');
    expect(upstreamFor('/api/stats/sales.csv')).toBe('stats');
    expect(upstreamFor('/api/admin/audit?page=2')).toBe('stats');
  });

  it('owns nothing else, and never /internal', () => {
    expect(upstreamFor('/internal/ops')).toBeNull();
    expect(upstreamFor('/api/internal/ops')).toBeNull();
    expect(upstreamFor('/api/eventsX')).toBeNull();
    expect(upstreamFor('/.well-known/jwks.json/extra')).toBeNull();
    expect(upstreamFor('/api/admin/dashboard')).toBeNull();
    expect(routingTable.some((entry) => entry.prefix.startsWith('/internal'))).toBe(false);
  });

  it('marks every /api/admin path as admin-only', () => {
    expect(isAdminPath('/api/admin/dashboard')).toBe(true);
    expect(isAdminPath('/api/admin/reservations.csv')).toBe(true);
    expect(isAdminPath('/api/admin')).toBe(true);
    expect(isAdminPath('/api/administrator')).toBe(false);
    expect(isAdminPath('/api/events?admin=1')).toBe(false);
  });
});
