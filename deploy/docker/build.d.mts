/** Types for build.mjs (imported by the deploy tests). */
export declare const TARGETS: Record<'gateway' | 'auth' | 'ticket' | 'payment' | 'stats' | 'migrate', string>;
export declare function packageName(specifier: string): string;
export declare function bundle(
  target: string,
  outDir?: string,
): Promise<{ outDir: string; dependencies: Record<string, string> }>;
