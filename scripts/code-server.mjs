// A private code-server (VS Code 1.100 in the browser) on 127.0.0.1 for the tests: its own
// extensions, user data and config under a temporary folder, never the user's.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
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

  writeUserSettings(settings) {
    mkdirSync(join(this.userData, 'User'), { recursive: true });
    writeFileSync(join(this.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  }

  async start(workspace, env) {
    this.port = await freePort();
    const config = join(this.root, 'config.yaml');
    writeFileSync(config, `bind-addr: 127.0.0.1:${this.port}\nauth: none\ncert: false\n`);
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
      { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    const keep = (chunk) => this.log.push(chunk.toString());
    this.process.stdout.on('data', keep);
    this.process.stderr.on('data', keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`code-server exited: ${this.log.join('')}`);
      try {
        const res = await fetch(`${this.url}/healthz`);
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer within 60 s: ${this.log.join('')}`);
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
