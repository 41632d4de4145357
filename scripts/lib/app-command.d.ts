export function appNodeArgs(app: 'api' | 'worker'): string[];
export function appEnv(app: 'api' | 'worker'): Record<string, string>;
