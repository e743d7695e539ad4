// Finding the ent-ls language server. Kept free of the `vscode` module so the
// logic can be unit-tested with plain node.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for the output channel. */
  source: 'setting' | 'path' | 'python';
}

export interface ResolveFailure {
  error: string;
  /** Everything that was tried, one line each, for the output channel. */
  tried: string[];
}

export interface ResolveOptions {
  /** `entitlements.server.path`, if set. */
  serverPath?: string | null;
  /** `entitlements.server.args` (the sub-command and its flags). */
  serverArgs?: string[] | null;
  /** Folder `${workspaceFolder}` expands to. */
  workspaceFolder?: string;
  /** Interpreters to try `python -m ent_ls` with, best first (lazy: only asked when needed). */
  pythonInterpreters?: () => Promise<string[]>;
  /** Returns true when `command args...` runs and exits 0. Defaults to {@link probe}. */
  probe?: (command: string, args: string[]) => Promise<boolean>;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export const DEFAULT_ARGS = ['serve'];

export const INSTALL_HINT =
  'Install the server with `pip install ent-ls` (or `pip install /path/to/ent-ls-checkout`), ' +
  'or point the `entitlements.server.path` setting at the `ent-ls` executable.';

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}`. */
export function expandPath(value: string, workspaceFolder?: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = value.trim();
  out = out.replace(/\$\{userHome\}/g, os.homedir());
  out = out.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env[name] ?? '');
  if (workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  }
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = path.join(os.homedir(), out.slice(1));
  }
  return out;
}

/** Looks `name` up on PATH like a shell would; returns the full path or undefined. */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const pathVar = env.PATH ?? env.Path ?? '';
  const sep = platform === 'win32' ? ';' : ':';
  const exts =
    platform === 'win32' ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
  for (const dir of pathVar.split(sep)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate, platform)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs `command args...` with a time limit; true when it exits 0. */
export function probe(command: string, args: string[], timeoutMs = 15000): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (err) => resolve(!err));
    } catch {
      resolve(false);
    }
  });
}

/**
 * Decides how to start the server:
 * 1. `entitlements.server.path` when set (used as given, not probed, so a typo is reported, not skipped);
 * 2. `ent-ls` on PATH;
 * 3. `<python> -m ent_ls` for the first interpreter that has the module.
 */
export async function resolveServerCommand(opts: ResolveOptions): Promise<ServerCommand | ResolveFailure> {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const args = opts.serverArgs && opts.serverArgs.length > 0 ? [...opts.serverArgs] : [...DEFAULT_ARGS];
  const check = opts.probe ?? ((c: string, a: string[]) => probe(c, a));
  const tried: string[] = [];

  const configured = opts.serverPath ? expandPath(opts.serverPath, opts.workspaceFolder, env) : '';
  if (configured) {
    const looksLikePath = configured.includes('/') || configured.includes('\\');
    const resolved = looksLikePath ? configured : findOnPath(configured, env, platform);
    if (resolved && (!looksLikePath || fs.existsSync(resolved))) {
      return { command: resolved, args, source: 'setting' };
    }
    return {
      error: `entitlements.server.path is set to "${opts.serverPath}", but no such executable was found. ${INSTALL_HINT}`,
      tried: [`entitlements.server.path: ${configured} (not found)`],
    };
  }

  const onPath = findOnPath('ent-ls', env, platform);
  if (onPath) {
    if (await check(onPath, ['--version'])) {
      return { command: onPath, args, source: 'path' };
    }
    tried.push(`${onPath} --version (failed)`);
  } else {
    tried.push('ent-ls on PATH (not found)');
  }

  let interpreters: string[] = [];
  if (opts.pythonInterpreters) {
    try {
      interpreters = await opts.pythonInterpreters();
    } catch (e) {
      tried.push(`Python interpreters (lookup failed: ${String(e)})`);
    }
  }
  const seen = new Set<string>();
  for (const python of interpreters) {
    if (!python || seen.has(python)) {
      continue;
    }
    seen.add(python);
    if (await check(python, ['-m', 'ent_ls', '--version'])) {
      return { command: python, args: ['-m', 'ent_ls', ...args], source: 'python' };
    }
    tried.push(`${python} -m ent_ls --version (failed)`);
  }

  return { error: `Could not find the ent-ls language server. ${INSTALL_HINT}`, tried };
}

export function isFailure(r: ServerCommand | ResolveFailure): r is ResolveFailure {
  return (r as ResolveFailure).error !== undefined;
}
