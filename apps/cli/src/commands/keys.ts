import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Tier } from '@triggers/client';
import { defineCommand, required } from '../command.js';
import { type Profile, readProfiles } from '../config.js';
import { UsageError } from '../exit-codes.js';

const TIERS = ['free', 'pro', 'business', 'enterprise'];

export const keysCreate = defineCommand({
  usage: 'keys create --name NAME [--tier TIER] [--admin-token TOKEN] [--save]',
  summary: 'Create an organization and its first API key',
  help: [
    '--name NAME           the organization',
    '--tier TIER           free (default), pro, business or enterprise',
    '--admin-token TOKEN   when the API sets ADMIN_TOKEN (also TRIGGERS_ADMIN_TOKEN)',
    '--save                keep the URL and key in the profile file (--profile, default "default")',
  ],
  options: { name: { type: 'string' }, tier: { type: 'string' }, 'admin-token': { type: 'string' }, save: { type: 'boolean' } },
  positionals: 0,
  async run(ctx, { values }) {
    const tier = (values.tier as string | undefined) ?? 'free';
    if (!TIERS.includes(tier)) throw new UsageError(`--tier must be one of ${TIERS.join(', ')}`);
    const adminToken = (values['admin-token'] as string | undefined) ?? ctx.env.TRIGGERS_ADMIN_TOKEN;
    const key = await ctx
      .client({ keyOptional: true, adminToken })
      .keys.generate({ organization_name: required(values, 'name'), tier: tier as Tier });
    const lines = [
      `organization ${key.organization_id} "${key.organization_name}" (${key.tier}, ${key.rate_limit_per_minute}/min)`,
      `api key      ${key.api_key}`,
    ];
    if (values.save) {
      const path = ctx.config.profilePath;
      const profiles = readProfiles(path);
      profiles[ctx.config.profileName] = { api_url: ctx.config.apiUrl, api_key: key.api_key } satisfies Profile;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify({ profiles }, null, 2)}\n`, { mode: 0o600 });
      lines.push(`saved as profile "${ctx.config.profileName}" in ${path}`);
    } else {
      lines.push('(shown only now: keep it, e.g. export TRIGGERS_API_KEY=…, or run again with --save)');
    }
    ctx.out.result(key, () => lines);
    return undefined;
  },
});

export const keysShow = defineCommand({
  usage: 'keys show',
  summary: 'The organization of the configured key',
  help: [],
  options: {},
  positionals: 0,
  async run(ctx) {
    const org = await ctx.client().keys.get();
    ctx.out.result(org, () => [
      `organization ${org.organization_id} "${org.organization_name}" (${org.tier}, ${org.rate_limit_per_minute}/min)`,
      `key prefix   ${org.key_prefix}`,
      `webhook      ${org.webhook_url ?? '-'}`,
    ]);
    return undefined;
  },
});
