// Shared helpers for the browser tests (run them with tests/e2e/run.sh from the repo root).
//
// The tests drive the machine's own Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH)
// through playwright-core; no browser is downloaded. The app under test is found at
// E2E_BASE_URL, which run.sh sets after starting a fresh server.

import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

/** Base URL of the running app, without a trailing slash, e.g. http://127.0.0.1:41234 */
export const BASE_URL = (() => {
  const raw = process.env.E2E_BASE_URL;
  if (!raw) {
    throw new Error(
      'E2E_BASE_URL is not set. Run the browser tests with `tests/e2e/run.sh` from the repo root, ' +
        'or start the app yourself and set E2E_BASE_URL=http://127.0.0.1:PORT.',
    );
  }
  return raw.replace(/\/+$/, '');
})();

/** Absolute URL for a path on the app under test. */
export function url(path = '/') {
  return BASE_URL + (path.startsWith('/') ? path : `/${path}`);
}

/** WCAG tags every page must pass. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Launch headless Chromium. This machine has no internet, so background networking is off. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox', // we run as root
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Open a page in a fresh browser context (its own cookies) and record problems the page reports:
 * console errors (including CSP violations and failed loads) and uncaught exceptions.
 *
 * Returns { context, page, errors }; `errors` is a live array of strings. Close `context` when done.
 * `contextOptions` go to browser.newContext (e.g. { javaScriptEnabled: false }).
 */
export async function openPage(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      const where = loc && loc.url ? ` (${loc.url}${loc.lineNumber ? `:${loc.lineNumber}` : ''})` : '';
      errors.push(`console.error: ${msg.text()}${where}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    errors.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText ?? 'unknown'})`);
  });
  return { context, page, errors };
}

/** Fail with the list of recorded page errors, if any. */
export function expectNoPageErrors(errors) {
  assert.deepEqual(errors, [], `the page reported errors:\n  ${errors.join('\n  ')}`);
}

/**
 * Run axe on the page (WCAG 2.2 AA and below) and fail with a readable list of violations.
 * `options.exclude`: CSS selectors to leave out (use sparingly, with a reason next to the call).
 */
export async function expectNoAxeViolations(page, options = {}) {
  let builder = new AxeBuilder({ page }).withTags(AXE_TAGS);
  for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
  const results = await builder.analyze();
  const violations = results.violations;
  if (violations.length === 0) return;

  const lines = [`${violations.length} accessibility violation(s) on ${page.url()}:`];
  for (const v of violations) {
    lines.push(`- ${v.id} [${v.impact ?? 'unknown impact'}]: ${v.help}`);
    lines.push(`    ${v.helpUrl}`);
    for (const node of v.nodes) {
      const target = node.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(', ');
      lines.push(`    target: ${target}`);
      if (node.failureSummary) {
        lines.push(`      ${node.failureSummary.replace(/\n/g, '\n      ')}`);
      }
    }
  }
  assert.fail(lines.join('\n'));
}

/**
 * Inline script in the served HTML (what CSP without 'unsafe-inline' would block):
 * <script> elements without src (except JSON data blocks), on* event-handler attributes,
 * and javascript: URLs. Pass a page loaded with JavaScript disabled so the DOM is the server's HTML.
 */
export async function findInlineScript(page) {
  return page.evaluate(() => {
    const found = [];
    const dataTypes = new Set(['application/json', 'application/ld+json', 'importmap']);
    for (const s of document.querySelectorAll('script')) {
      const type = (s.getAttribute('type') || '').trim().toLowerCase();
      if (!s.hasAttribute('src') && !dataTypes.has(type)) {
        found.push(`inline <script>: ${s.outerHTML.slice(0, 120)}`);
      }
    }
    for (const el of document.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) {
          found.push(`event handler attribute ${attr.name} on <${el.localName}>`);
        }
        if (/^(href|src|action|formaction)$/i.test(attr.name) && /^\s*javascript:/i.test(attr.value)) {
          found.push(`javascript: URL in ${attr.name} on <${el.localName}>`);
        }
      }
    }
    return found;
  });
}

/** Parse a Content-Security-Policy header into a Map of directive -> list of sources. */
export function parseCsp(header) {
  const directives = new Map();
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}
