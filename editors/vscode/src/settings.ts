// The settings object the server understands (section `entitlements`).
// Free of the `vscode` module so it can be unit-tested.

export const PLATFORMS = ['macos', 'ios', 'ipados', 'tvos', 'watchos', 'visionos'] as const;
export const SEVERITIES = ['error', 'warning', 'information', 'hint', 'off'] as const;

export type Platform = (typeof PLATFORMS)[number];
export type Severity = (typeof SEVERITIES)[number];

export interface ServerSettings {
  platform: Platform | null;
  severity: Record<string, Severity>;
  select: string[] | null;
  ignore: string[];
}

/** Anything with a `get(key)` like vscode.WorkspaceConfiguration. */
export interface ConfigLike {
  get<T>(key: string): T | undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : [];
}

/** Builds the object sent as initializationOptions and as the `entitlements` configuration section. */
export function buildServerSettings(config: ConfigLike): ServerSettings {
  const platform = config.get<unknown>('platform');
  const severityIn = config.get<unknown>('severity');
  const severity: Record<string, Severity> = {};
  if (severityIn && typeof severityIn === 'object' && !Array.isArray(severityIn)) {
    for (const [rule, level] of Object.entries(severityIn as Record<string, unknown>)) {
      if (typeof level === 'string' && (SEVERITIES as readonly string[]).includes(level)) {
        severity[rule] = level as Severity;
      }
    }
  }
  const selectIn = config.get<unknown>('select');
  const select = Array.isArray(selectIn) && selectIn.length > 0 ? stringList(selectIn) : null;
  return {
    platform:
      typeof platform === 'string' && (PLATFORMS as readonly string[]).includes(platform)
        ? (platform as Platform)
        : null,
    severity,
    select,
    ignore: stringList(config.get<unknown>('ignore')),
  };
}
