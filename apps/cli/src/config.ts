import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './exit-codes.js';

export const DEFAULT_API_URL = 'http://localhost:8080';

export interface Profile {
  api_url?: string;
  api_key?: string;
}

export interface ResolvedConfig {
  apiUrl: string;
  apiKey: string | undefined;
  /** Where the profile file is (whether or not it exists). */
  profilePath: string;
  profileName: string;
}

/** `$TRIGGERS_CONFIG`, else `$XDG_CONFIG_HOME/triggers/config.json`, else `~/.config/triggers/config.json`. */
export function profilePath(env: NodeJS.ProcessEnv): string {
  if (env.TRIGGERS_CONFIG) return env.TRIGGERS_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'triggers', 'config.json');
}

/** The profiles of the file at `path` (`{"profiles": {"default": {"api_url", "api_key"}}}`); none when it does not exist. */
export function readProfiles(path: string): Record<string, Profile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read the profile file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as { profiles?: Record<string, Profile> };
    return parsed.profiles ?? {};
  } catch {
    throw new UsageError(`the profile file ${path} is not valid JSON`);
  }
}

/**
 * Where to reach the API and with which key: flags win over TRIGGERS_API_URL/TRIGGERS_API_KEY,
 * which win over the profile (`--profile`, TRIGGERS_PROFILE, else `default`) of the profile file.
 */
export function resolveConfig(
  flags: { 'api-url'?: string; 'api-key'?: string; profile?: string },
  env: NodeJS.ProcessEnv,
): ResolvedConfig {
  const path = profilePath(env);
  const profileName = flags.profile ?? env.TRIGGERS_PROFILE ?? 'default';
  const profiles = readProfiles(path);
  const profile = profiles[profileName];
  if (!profile && (flags.profile || env.TRIGGERS_PROFILE)) throw new UsageError(`no profile named "${profileName}" in ${path}`);
  const apiUrl = flags['api-url'] ?? env.TRIGGERS_API_URL ?? profile?.api_url ?? DEFAULT_API_URL;
  if (!URL.canParse(apiUrl)) throw new UsageError(`the API URL is not a URL: ${apiUrl}`);
  return { apiUrl, apiKey: flags['api-key'] ?? env.TRIGGERS_API_KEY ?? profile?.api_key, profilePath: path, profileName };
}
