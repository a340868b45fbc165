/** The platform's error body: `{"error":{"code","message","details","requestId"}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** Field errors keyed by the last segment of each issue path (`body.email` -> `email`). */
  fieldErrors(): Record<string, string> {
    const issues = (this.details?.issues ?? []) as Array<{ path?: string; message?: string }>;
    const out: Record<string, string> = {};
    for (const issue of Array.isArray(issues) ? issues : []) {
      const segments = String(issue.path ?? '')
        .split(/[./]/)
        .filter((s) => s && s !== 'body' && s !== 'querystring');
      const key = segments.length ? segments.join('.') : '_';
      const leaf = segments[segments.length - 1] ?? '_';
      const message = issue.message ?? 'invalid';
      if (!out[key]) out[key] = message;
      if (!out[leaf]) out[leaf] = message;
    }
    return out;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
