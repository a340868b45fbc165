import { ProviderError } from './provider';

export interface ProviderHttpOptions {
  provider: string;
  timeoutMs: number;
  /** Records the call's latency (metrics). */
  observe?: (provider: string, operation: string, outcome: string, seconds: number) => void;
}

export interface ProviderResponse {
  status: number;
  body: any;
}

/**
 * One provider call. A network error, a timeout or a 5xx is an unknown outcome (the charge may have
 * happened); the adapter decides what a 4xx body means.
 */
export async function providerFetch(
  options: ProviderHttpOptions,
  operation: string,
  url: string,
  init: { method?: string; headers: Record<string, string>; body?: string },
): Promise<ProviderResponse> {
  const started = performance.now();
  let outcome = 'error';
  try {
    const response = await fetch(url, {
      method: init.method ?? 'POST',
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { raw: text };
    }
    outcome = response.ok ? 'ok' : String(response.status);
    if (response.status >= 500) {
      const code =
        body?.code ?? (body?.error_code !== undefined ? String(body.error_code) : 'PROVIDER_ERROR');
      throw new ProviderError(
        'unknown',
        String(code),
        `${options.provider} ${operation} answered ${response.status}`,
        response.status,
      );
    }
    return { status: response.status, body };
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    outcome = 'timeout';
    throw new ProviderError(
      'unknown',
      'PROVIDER_UNREACHABLE',
      `${options.provider} ${operation} did not answer: ${(err as Error).message}`,
    );
  } finally {
    options.observe?.(options.provider, operation, outcome, (performance.now() - started) / 1000);
  }
}
