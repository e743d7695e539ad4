import * as vscode from 'vscode';
import {
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import { closingTagFor } from './autoCloseTag';
import * as fs from 'node:fs';
import { describeServer, INSTALL_COMMAND, isFailure, resolveServerCommand } from './serverCommand';
import { buildServerSettings } from './settings';

const SECTION = 'entitlements';
const LANGUAGE_ID = 'entitlements';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let extensionPath: string | undefined;
/** Serialises start/stop/restart so commands and setting changes cannot interleave. */
let queue: Promise<unknown> = Promise.resolve();

function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job, job);
  queue = next.catch(() => undefined);
  return next;
}

function log(message: string): void {
  output?.appendLine(`[${new Date().toISOString()}] ${message}`);
}

/** An error as one plain sentence: no Markdown, no trailing period. */
function plainError(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/`/g, "'").replace(/[.\s]+$/, '');
}

function firstWorkspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function withTimeout<T>(p: Thenable<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([
    Promise.resolve(p),
    new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms)),
  ]);
}

/** The interpreter chosen in the Python extension, when it is installed (never asked in Restricted Mode). */
async function pythonInterpreters(): Promise<string[]> {
  const found: string[] = [];
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (ext) {
    try {
      // The Python extension's API is used untyped on purpose: it is an optional companion.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const api: any = ext.isActive ? ext.exports : await withTimeout(ext.activate(), 10000, undefined);
      const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
      const envPath = api?.environments?.getActiveEnvironmentPath?.(resource);
      if (envPath) {
        const env = await withTimeout(api.environments.resolveEnvironment(envPath), 10000, undefined);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const exe = (env as any)?.executable?.uri?.fsPath ?? envPath.path;
        if (exe) {
          found.push(exe);
        }
      }
      const details = api?.settings?.getExecutionDetails?.(resource);
      if (Array.isArray(details?.execCommand) && details.execCommand.length === 1) {
        found.push(details.execCommand[0]);
      }
    } catch (e) {
      log(`Could not ask the Python extension for its interpreter: ${String(e)}`);
    }
  }
  return found;
}

/**
 * A server.* setting as it may be used: in Restricted Mode only the user's own value counts, never
 * one from the workspace (VS Code also drops those, as the manifest lists them in restrictedConfigurations).
 */
function serverSetting<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  if (vscode.workspace.isTrusted) {
    return config.get<T>(key);
  }
  const info = config.inspect<T>(key);
  return info?.globalValue ?? info?.defaultValue;
}

/** A plain-text notification (VS Code shows no Markdown there) with buttons that act. */
function notifyError(message: string, offerInstall: boolean): void {
  const buttons = ['Open Settings', 'Show Output', ...(offerInstall ? ['Copy install command'] : [])];
  // Not awaited: an unanswered notification must not hold up a later restart.
  void vscode.window.showErrorMessage(message, ...buttons).then((choice) => {
    if (choice === 'Open Settings') {
      // server.* are machine settings: a remote window (SSH, WSL, code-server) shows them only
      // among the remote settings.
      void vscode.commands.executeCommand(
        vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings',
        { query: 'entitlements.server' },
      );
    } else if (choice === 'Show Output') {
      output?.show(true);
    } else if (choice === 'Copy install command') {
      void vscode.env.clipboard.writeText(INSTALL_COMMAND);
    }
  });
}

async function startClient(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const restricted = !vscode.workspace.isTrusted;
  if (restricted) {
    log('Restricted Mode: the workspace values of entitlements.server.* are ignored');
  }
  const launcher = extensionPath ? `${extensionPath}/launcher/ent_ls_launcher.py` : undefined;
  const resolved = await resolveServerCommand({
    serverPath: serverSetting<string | null>(config, 'server.path'),
    serverArgs: serverSetting<string[]>(config, 'server.args'),
    workspaceFolder: firstWorkspaceFolder(),
    restricted,
    bundledLauncher: launcher && fs.existsSync(`${extensionPath}/bundled/ent_ls`) ? launcher : undefined,
    pythonInterpreters,
    clientProcessId: process.pid,
  });
  if (isFailure(resolved)) {
    log(resolved.error);
    for (const line of resolved.tried) {
      log(`  tried: ${line}`);
    }
    notifyError(resolved.error, resolved.offerInstall);
    return;
  }
  log(describeServer(resolved));

  const executable: Executable = {
    command: resolved.command,
    args: resolved.args,
    transport: TransportKind.stdio,
    options: { cwd: firstWorkspaceFolder(), env: process.env },
  };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    synchronize: { configurationSection: SECTION },
    initializationOptions: buildServerSettings(config),
    outputChannel: output,
    traceOutputChannel: output,
    middleware: {
      workspace: {
        // Answer workspace/configuration for our section with the cleaned-up settings object
        // (without the client-only server.* and trace.* keys).
        configuration: async (params, token, next) => {
          const results = await next(params, token);
          if (!Array.isArray(results)) {
            return results;
          }
          return params.items.map((item, i) => {
            if (item.section !== SECTION) {
              return results[i];
            }
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            return buildServerSettings(vscode.workspace.getConfiguration(SECTION, scope));
          });
        },
      },
    },
  };

  const newClient = new LanguageClient(SECTION, 'Entitlements (ent-ls)', serverOptions, clientOptions);
  try {
    await newClient.start();
    client = newClient;
    const info = newClient.initializeResult?.serverInfo;
    log(`Server started${info ? `: ${info.name} ${info.version ?? ''}` : ''}`);
  } catch (e) {
    log(`The server failed to start: ${String(e)}`);
    notifyError(
      `Entitlements: the ent-ls server (${resolved.command}) failed to start: ${plainError(e)}. ` +
        'Show Output has its messages.',
      resolved.source !== 'bundled',
    );
    try {
      await newClient.dispose(5000);
    } catch {
      // already gone
    }
  }
}

async function stopClient(): Promise<void> {
  const old = client;
  client = undefined;
  if (old) {
    try {
      await old.stop(5000);
    } catch (e) {
      log(`Stopping the server failed: ${String(e)}`);
    }
  }
}

/** Inserts `</tag>` when `>` of an opening tag is typed (VS Code does this only for HTML). */
function autoCloseTags(e: vscode.TextDocumentChangeEvent): void {
  const document = e.document;
  if (document.languageId !== LANGUAGE_ID || e.contentChanges.length !== 1) {
    return;
  }
  const change = e.contentChanges[0];
  if (change.text !== '>' || change.rangeLength !== 0) {
    return;
  }
  if (!vscode.workspace.getConfiguration(SECTION, document.uri).get<boolean>('autoClosingTags', true)) {
    return;
  }
  const cursor = change.range.start.translate(0, 1);
  const version = document.version;
  // Like VS Code's HTML support: let the editor's selection catch up with the edit first.
  setTimeout(() => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document !== document || document.version !== version) {
      return;
    }
    if (editor.selections.length !== 1 || !editor.selection.active.isEqual(cursor)) {
      return;
    }
    const line = document.lineAt(cursor.line).text;
    const closing = closingTagFor(line.slice(0, cursor.character), line.slice(cursor.character));
    if (closing) {
      void editor.insertSnippet(new vscode.SnippetString(`$0${closing}`), cursor, {
        undoStopBefore: false,
        undoStopAfter: false,
      });
    }
  }, 50);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel('Entitlements (ent-ls)');
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.workspace.onDidChangeTextDocument(autoCloseTags));

  context.subscriptions.push(
    vscode.commands.registerCommand('entitlements.restartServer', () =>
      enqueue(async () => {
        log('Restarting the server');
        await stopClient();
        await startClient();
      }),
    ),
    vscode.commands.registerCommand('entitlements.showOutput', () => output?.show(true)),
    // Trusting the workspace lets its entitlements.server.* values apply: start again with them.
    vscode.workspace.onDidGrantWorkspaceTrust(() =>
      enqueue(async () => {
        log('The workspace is now trusted: restarting the server');
        await stopClient();
        await startClient();
      }),
    ),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.server`)) {
        void enqueue(async () => {
          log('entitlements.server.* changed: restarting the server');
          await stopClient();
          await startClient();
        });
      }
    }),
  );

  await enqueue(() => startClient());
}

export function deactivate(): Thenable<void> | undefined {
  return enqueue(stopClient);
}
