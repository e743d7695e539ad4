// A minimal LSP client for tests, built on the protocol library VS Code itself uses.
import { ChildProcess, spawn } from 'node:child_process';
import {
  ClientCapabilities,
  CodeAction,
  CodeActionRequest,
  CodeActionResolveRequest,
  Command,
  ConfigurationRequest,
  createProtocolConnection,
  Diagnostic,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  InitializeResult,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  TextEdit,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';

export const WAIT_MS = 60000;

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function clientCapabilities(resolveEdits: boolean): ClientCapabilities {
  return {
    workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false }, applyEdit: true },
    textDocument: {
      synchronization: { dynamicRegistration: false, didSave: true },
      publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
      codeAction: {
        dynamicRegistration: false,
        isPreferredSupport: true,
        dataSupport: true,
        codeActionLiteralSupport: {
          codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source', 'source.fixAll'] },
        },
        ...(resolveEdits ? { resolveSupport: { properties: ['edit'] } } : {}),
      },
    },
    window: { workDoneProgress: false },
  };
}

export class TestClient {
  readonly connection: ProtocolConnection;
  readonly proc: ChildProcess;
  readonly stderr: string[] = [];
  readonly configurationRequests: unknown[] = [];
  private diagnostics = new Map<string, PublishDiagnosticsParams>();
  private waiters: Array<() => void> = [];
  private exited = false;
  private initialized = false;
  /** Settles when the server process is gone; used to fail requests at once instead of timing out. */
  private readonly gone: Promise<never>;

  constructor(command: string[], private readonly settings: object) {
    this.proc = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.gone = new Promise<never>((_, reject) => {
      const onGone = (why: string) => {
        this.exited = true;
        this.wake();
        reject(new Error(`the server ${why}; stderr:\n${this.stderrText()}`));
      };
      this.proc.on('exit', (code, signal) => onGone(`exited (code ${code}, signal ${signal})`));
      this.proc.on('error', (err) => onGone(`could not be started: ${err.message}`));
    });
    this.gone.catch(() => undefined); // only observed through request()
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.proc.stdout!),
      new StreamMessageWriter(this.proc.stdin!),
    );
    this.connection.onRequest(ConfigurationRequest.type, (params) => {
      this.configurationRequests.push(params);
      return params.items.map((item) => (item.section === 'entitlements' ? this.settings : null));
    });
    this.connection.onRequest(RegistrationRequest.type, () => undefined);
    this.connection.onRequest(UnregistrationRequest.type, () => undefined);
    this.connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.diagnostics.set(params.uri, params);
      this.wake();
    });
    this.connection.listen();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  /** A request bounded by WAIT_MS that also fails as soon as the server process is gone. */
  private request<T>(p: Promise<T>, what: string): Promise<T> {
    return Promise.race([withTimeout(p, WAIT_MS, what), this.gone]);
  }

  stderrText(): string {
    return this.stderr.join('');
  }

  async initialize(resolveEdits: boolean, rootUri: string | null): Promise<InitializeResult> {
    const result = await this.request(
      this.connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri,
        workspaceFolders: rootUri ? [{ uri: rootUri, name: 'test' }] : null,
        capabilities: clientCapabilities(resolveEdits),
        initializationOptions: this.settings,
        clientInfo: { name: 'ent-ls-vscode-tests' },
      }),
      'the initialize response',
    );
    this.initialized = true;
    await this.connection.sendNotification(InitializedNotification.type, {});
    return result;
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'entitlements', version, text },
    });
  }

  async change(uri: string, text: string, version: number): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** Waits until the latest published diagnostics for `uri` satisfy `predicate`. */
  async waitForDiagnostics(
    uri: string,
    predicate: (d: Diagnostic[]) => boolean,
    what: string,
  ): Promise<Diagnostic[]> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const current = this.diagnostics.get(uri);
      if (current && predicate(current.diagnostics)) {
        return current.diagnostics;
      }
      if (this.exited) {
        throw new Error(`server exited while waiting for ${what}; stderr:\n${this.stderrText()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${what}; last diagnostics: ${JSON.stringify(current?.diagnostics)}; stderr:\n${this.stderrText()}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async codeActions(uri: string, diagnostic: Diagnostic): Promise<Array<Command | CodeAction>> {
    const result = await this.request(
      this.connection.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic], only: ['quickfix'], triggerKind: 1 },
      }),
      'the textDocument/codeAction response',
    );
    return result ?? [];
  }

  resolve(action: CodeAction): Promise<CodeAction> {
    return this.request(
      this.connection.sendRequest(CodeActionResolveRequest.type, action),
      'the codeAction/resolve response',
    );
  }

  async shutdown(): Promise<void> {
    try {
      if (!this.exited && this.initialized) {
        await withTimeout(this.connection.sendRequest(ShutdownRequest.type), 10000, 'shutdown');
        await this.connection.sendNotification(ExitNotification.type);
        await withTimeout(
          new Promise<void>((resolve) => (this.exited ? resolve() : this.proc.once('exit', () => resolve()))),
          10000,
          'the server to exit',
        );
      }
    } finally {
      this.connection.dispose();
      if (!this.exited) {
        this.proc.kill('SIGKILL');
      }
    }
  }
}

/** Applies the edits a WorkspaceEdit makes to one document (changes or documentChanges). */
export function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
  const out: TextEdit[] = [];
  if (edit.changes?.[uri]) {
    out.push(...edit.changes[uri]);
  }
  for (const change of edit.documentChanges ?? []) {
    if ('textDocument' in change && change.textDocument.uri === uri) {
      out.push(...(change.edits as TextEdit[]));
    }
  }
  return out;
}

function offsetAt(text: string, line: number, character: number): number {
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) {
      return text.length;
    }
    offset = nl + 1;
  }
  return Math.min(offset + character, text.length);
}

export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const withOffsets = edits.map((e) => ({
    start: offsetAt(text, e.range.start.line, e.range.start.character),
    end: offsetAt(text, e.range.end.line, e.range.end.character),
    newText: e.newText,
  }));
  withOffsets.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of withOffsets) {
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  }
  return out;
}

export function textInRange(text: string, d: Diagnostic): string {
  return text.slice(
    offsetAt(text, d.range.start.line, d.range.start.character),
    offsetAt(text, d.range.end.line, d.range.end.character),
  );
}
