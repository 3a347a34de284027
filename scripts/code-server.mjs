// A private code-server (VS Code in the browser) on 127.0.0.1: its own extensions, user data and
// config under one folder, never the user's. The tests import `CodeServer`; the Quickstart runs
// this file:
//   node scripts/code-server.mjs BINARY VSIX WORKSPACE STATE_DIR [--port N] [--smoke]
// installs the VSIX, serves WORKSPACE, prints the URL and runs until Ctrl-C (with --smoke: checks
// that the workbench is served with the extension installed, then stops).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `preferred` if it is free on 127.0.0.1, else any free port. */
export async function freePort(preferred = 0) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error) => (preferred ? freePort(0).then(resolve, reject) : reject(error)));
    server.listen(preferred, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class CodeServer {
  constructor(binary, root) {
    this.binary = binary;
    this.root = root;
    this.extensions = join(root, 'extensions');
    this.userData = join(root, 'user');
    this.log = [];
  }

  common() {
    return ['--extensions-dir', this.extensions, '--user-data-dir', this.userData];
  }

  /** Installs a VSIX; returns the folder it was unpacked into. */
  install(vsix, id) {
    mkdirSync(this.extensions, { recursive: true });
    execFileSync(this.binary, [...this.common(), '--install-extension', vsix, '--force'], { stdio: 'pipe' });
    const folder = readdirSync(this.extensions).find((name) => name.startsWith(`${id}-`));
    if (!folder) throw new Error(`${vsix} did not install into ${this.extensions}`);
    return join(this.extensions, folder);
  }

  /** Writes the user settings; with `keep`, an existing file (the user's changes) stays. */
  writeUserSettings(settings, { keep = false } = {}) {
    const file = join(this.userData, 'User', 'settings.json');
    if (keep && existsSync(file)) return;
    mkdirSync(join(this.userData, 'User'), { recursive: true });
    writeFileSync(file, JSON.stringify(settings, null, 2));
  }

  /**
   * Serves `workspace` and waits until code-server answers. Its output is kept in `log`, or
   * written to `logFile` for a long-running server.
   */
  async start(workspace, env, { port = 0, logFile } = {}) {
    this.port = await freePort(port);
    const config = join(this.root, 'config.yaml');
    writeFileSync(config, `bind-addr: 127.0.0.1:${this.port}\nauth: none\ncert: false\n`);
    const out = logFile ? openSync(logFile, 'w') : 'pipe';
    this.logFile = logFile;
    this.process = spawn(
      this.binary,
      [
        '--bind-addr', `127.0.0.1:${this.port}`,
        '--auth', 'none',
        '--config', config,
        ...this.common(),
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        workspace,
      ],
      { env, stdio: ['ignore', out, out], detached: true },
    );
    const keep = (chunk) => this.log.push(chunk.toString());
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`code-server exited: ${this.output()}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer within 60 s: ${this.output()}`);
  }

  /** What code-server printed. */
  output() {
    return this.logFile ? readFileSync(this.logFile, 'utf8') : this.log.join('');
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  stop() {
    if (this.process && this.process.exitCode === null) {
      try {
        process.kill(-this.process.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  }
}

async function serve(args) {
  const [binary, vsix, workspace, state] = args.filter((a) => !a.startsWith('--')).map((p) => resolve(p));
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
  const smoke = args.includes('--smoke');
  const server = new CodeServer(binary, state);
  server.install(vsix, 'promptopt.promptopt');
  server.writeUserSettings(
    {
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
    },
    { keep: true },
  );
  await server.start(workspace, process.env, { port, logFile: join(state, 'code-server.log') });
  const url = `${server.url}/?folder=${workspace}`;
  if (smoke) {
    try {
      const page = await fetch(url).then((r) => r.text());
      if (!page.includes('vscode-workbench')) throw new Error('code-server did not serve the workbench');
      console.log(`ok: code-server serves ${url} with PromptOpt installed`);
    } finally {
      server.stop();
    }
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      server.stop();
      process.exit(0);
    });
  }
  console.log(`\nPromptOpt is running in VS Code (code-server) on ${workspace}:\n\n    ${url}\n`);
  console.log('Open lint-showcase/support-triage.prompt, then PromptOpt: Show Feedback Widget. Ctrl-C stops it.');
  server.process.on('exit', (code) => process.exit(code ?? 1));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  serve(process.argv.slice(2)).catch((error) => {
    console.error(error.message ?? error);
    process.exit(1);
  });
}
