// Finding the ent-ls language server. Kept free of the `vscode` module so the
// logic can be unit-tested with plain node.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type ServerSource = 'setting' | 'path' | 'bundled';

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for the output channel. */
  source: ServerSource;
  /** What `--version` printed (`ent-ls 0.1.0`), when it was asked. */
  version?: string;
}

export interface ResolveFailure {
  /** Plain text for a notification (VS Code does not render Markdown there). */
  error: string;
  /** Offer to copy the install command: the fix is to install something. */
  offerInstall: boolean;
  /** Everything that was tried, one line each, for the output channel. */
  tried: string[];
}

export interface ProbeResult {
  ok: boolean;
  output: string;
}

export interface ResolveOptions {
  /** `entitlements.server.path`, if set. */
  serverPath?: string | null;
  /** `entitlements.server.args` (the sub-command and its flags). */
  serverArgs?: string[] | null;
  /** Folder `${workspaceFolder}` expands to. */
  workspaceFolder?: string;
  /** Restricted Mode: skip `ent-ls` on PATH and the Python extension, run the bundled copy. */
  restricted?: boolean;
  /** The bundled launcher script (`launcher/ent_ls_launcher.py` in the extension), if it is there. */
  bundledLauncher?: string;
  /** Interpreters from the Python extension, best first (lazy: only asked when needed). */
  pythonInterpreters?: () => Promise<string[]>;
  /** Runs `command args...`; defaults to {@link probe}. */
  probe?: (command: string, args: string[]) => Promise<ProbeResult>;
  /** The editor's process id, passed to the bundled server so it exits with the editor. */
  clientProcessId?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
}

export const DEFAULT_ARGS = ['serve'];

/** ent-ls is not on PyPI: it is installed from a checkout of its repository. */
export const INSTALL_COMMAND = 'python3 -m pip install <path to the ent-ls checkout>';

export const NO_PYTHON_MESSAGE =
  'Entitlements: no Python 3.9 or newer was found to run the ent-ls server that comes with the extension. ' +
  'Install Python 3 (on macOS: xcode-select --install), or install ent-ls from a checkout with ' +
  `"${INSTALL_COMMAND}" and set entitlements.server.path to its ent-ls command.`;

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

/** The PATH directories, absolute ones only: a relative entry would resolve inside the opened folder. */
function pathDirs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  const pathVar = env.PATH ?? env.Path ?? '';
  const sep = platform === 'win32' ? ';' : ':';
  const isAbs = platform === 'win32' ? path.win32.isAbsolute : path.posix.isAbsolute;
  return pathVar.split(sep).filter((dir) => dir && isAbs(dir));
}

/** Looks `name` up in `dirs` (default: PATH) like a shell would; returns the full path or undefined. */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  dirs: string[] = pathDirs(env, platform),
): string | undefined {
  const exts =
    platform === 'win32' ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean) : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate, platform)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * Where `ent-ls` may be when the editor's PATH lacks it: a server-hosted VS Code gives extensions
 * the PATH of a login shell, which often misses pip's and pipx's folders.
 */
export function usualInstallDirs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string[] {
  const dirs = [path.join(home, '.local', 'bin')]; // pip install --user, and pipx's default
  if (env.PIPX_BIN_DIR) {
    dirs.push(env.PIPX_BIN_DIR);
  }
  if (platform !== 'win32') {
    dirs.push('/opt/homebrew/bin', '/usr/local/bin');
  }
  return dirs;
}

/** Interpreters tried for the bundled server after the Python extension's. */
export function fallbackPythons(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  if (platform === 'win32') {
    const p = findOnPath('python', env, platform);
    return p ? [p] : [];
  }
  const found = findOnPath('python3', env, platform);
  // Xcode's command-line tools, Homebrew on Apple silicon and on Intel.
  return [...(found ? [found] : []), '/usr/bin/python3', '/opt/homebrew/bin/python3', '/usr/local/bin/python3'];
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

/** Runs `command args...` with a time limit; ok when it exits 0, with its first line of output. */
export function probe(command: string, args: string[], timeoutMs = 15000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    try {
      execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (err, stdout, stderr) => {
        const output = `${stdout ?? ''}${stderr ?? ''}`.trim().split(/\r?\n/)[0] ?? '';
        resolve({ ok: !err, output });
      });
    } catch (e) {
      resolve({ ok: false, output: String(e) });
    }
  });
}

/**
 * Decides how to start the server:
 * 1. `entitlements.server.path` when set (used even when `--version` fails, so a typo is reported, not skipped);
 * 2. `ent-ls` on PATH, then in the usual install folders (not in Restricted Mode);
 * 3. the bundled copy, run by the first Python 3.9+ found (the Python extension's interpreter first).
 */
export async function resolveServerCommand(opts: ResolveOptions): Promise<ServerCommand | ResolveFailure> {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const home = opts.homedir ?? os.homedir();
  const args = opts.serverArgs && opts.serverArgs.length > 0 ? [...opts.serverArgs] : [...DEFAULT_ARGS];
  const check = opts.probe ?? ((c: string, a: string[]) => probe(c, a));
  const tried: string[] = [];

  const configured = opts.serverPath ? expandPath(opts.serverPath, opts.workspaceFolder, env) : '';
  if (configured) {
    const looksLikePath = configured.includes('/') || configured.includes('\\');
    const resolved = looksLikePath ? configured : findOnPath(configured, env, platform);
    if (resolved && isExecutableFile(resolved, platform)) {
      // Asked only for the output channel: a server without --version is still started.
      const r = await check(resolved, ['--version']);
      return { command: resolved, args, source: 'setting', ...(r.ok && r.output ? { version: r.output } : {}) };
    }
    return {
      error:
        `Entitlements: entitlements.server.path is set to "${opts.serverPath}", but that is not an executable file. ` +
        'Correct the setting, or clear it to use the ent-ls server that comes with the extension.',
      offerInstall: false,
      tried: [`entitlements.server.path: ${configured} (not an executable file)`],
    };
  }

  if (!opts.restricted) {
    const seenDirs = new Set<string>();
    const dirs = [...pathDirs(env, platform), ...usualInstallDirs(env, platform, home)].filter(
      (d) => !seenDirs.has(d) && seenDirs.add(d),
    );
    for (const dir of dirs) {
      const candidate = findOnPath('ent-ls', env, platform, [dir]);
      if (!candidate) {
        continue;
      }
      const r = await check(candidate, ['--version']);
      if (r.ok) {
        return { command: candidate, args, source: 'path', version: r.output };
      }
      tried.push(`${candidate} --version (failed: ${r.output || 'no output'})`);
    }
    tried.push(`ent-ls on PATH and in ${usualInstallDirs(env, platform, home).join(', ')} (none that runs)`);
  }

  if (!opts.bundledLauncher) {
    tried.push('no bundled server in this build of the extension');
  } else {
    let interpreters: string[] = [];
    if (opts.pythonInterpreters && !opts.restricted) {
      try {
        interpreters = await opts.pythonInterpreters();
      } catch (e) {
        tried.push(`the Python extension's interpreter (lookup failed: ${String(e)})`);
      }
    }
    interpreters = [...interpreters, ...fallbackPythons(env, platform)];
    const seen = new Set<string>();
    for (const python of interpreters) {
      if (!python || seen.has(python)) {
        continue;
      }
      seen.add(python);
      // -I: ignore PYTHON* variables, the user's site-packages and the current folder.
      const launch = ['-I', opts.bundledLauncher];
      const r = await check(python, [...launch, '--version']);
      if (r.ok) {
        const pid = opts.clientProcessId !== undefined ? [`--clientProcessId=${opts.clientProcessId}`] : [];
        const serveArgs = args[0] === 'serve' ? [...args, ...pid] : args;
        return { command: python, args: [...launch, ...serveArgs], source: 'bundled', version: r.output };
      }
      tried.push(`${python} (cannot run the bundled server: ${r.output || 'not found'})`);
    }
  }

  return { error: NO_PYTHON_MESSAGE, offerInstall: true, tried };
}

export function isFailure(r: ServerCommand | ResolveFailure): r is ResolveFailure {
  return (r as ResolveFailure).error !== undefined;
}

/** One line for the output channel: which server, found how, which version. */
export function describeServer(r: ServerCommand): string {
  const how = {
    setting: 'from the entitlements.server.path setting',
    path: 'found on PATH',
    bundled: 'bundled with the extension',
  }[r.source];
  return `Using ${r.version || 'ent-ls (version unknown)'} ${how}: ${[r.command, ...r.args].join(' ')}`;
}
