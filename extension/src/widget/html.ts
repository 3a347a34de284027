// The FeedbackWidget's page: a strict Content-Security-Policy that allows only the extension's
// own script (by nonce) and stylesheet. No `vscode` import, so the browser tests build the
// same page.

import { randomBytes } from 'node:crypto';

export interface PageResources {
  /** The webview's `cspSource` (the origin its resources are served from). */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function widgetHtml(resources: PageResources): string {
  const nonce = resources.nonce ?? newNonce();
  const csp = [
    "default-src 'none'",
    `style-src ${resources.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${resources.cspSource} data:`,
    `font-src ${resources.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attribute(resources.styleUri)}">
<title>PromptOpt Feedback</title>
</head>
<body>
<main id="app" aria-busy="true"><p>Loading PromptOpt…</p></main>
<div id="announce" class="visually-hidden" role="status" aria-live="polite"></div>
<div id="alert" class="visually-hidden" role="alert"></div>
<script nonce="${nonce}" src="${attribute(resources.scriptUri)}"></script>
</body>
</html>`;
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
