import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform';

describe('graceful shutdown with long-lived streams', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => t?.close());

  // Without cutting streams on close, the gateway waits for the live feed to end (it never does).
  it('stops the gateway while an admin live feed is open through it', { timeout: 20_000 }, async () => {
    const admin = await t.admin();
    const controller = new AbortController();
    const res = await fetch(`${t.url}/api/stats/live`, {
      headers: { authorization: `Bearer ${admin.accessToken}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    // The stream's first bytes may arrive in several chunks (the retry hint, then the figures).
    const decoder = new TextDecoder();
    let received = '';
    while (!received.includes('data:')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      received += decoder.decode(chunk.value, { stream: true });
    }
    expect(received).toContain('data:');

    await t.platform.services.gateway!.stop();
    // The stream was cut by the gateway rather than left hanging.
    await expect(
      (async () => {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) return 'ended';
        }
      })(),
    ).rejects.toThrow();
    controller.abort();
  });
});
