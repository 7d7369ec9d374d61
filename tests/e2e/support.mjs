// Shared helpers for the browser tests (run them with tests/e2e/run.sh from the repo root).
//
// The tests drive the machine's own Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH)
// through playwright-core; no browser is downloaded. The app under test is found at
// E2E_BASE_URL, which run.sh sets after starting a fresh server.

import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
    // A sub-resource still loading when the page navigates away (e.g. the favicon when a test clicks
    // a button straight after load) is cancelled with net::ERR_ABORTED: not a problem of the page.
    if (req.failure()?.errorText === 'net::ERR_ABORTED' && !req.isNavigationRequest()) return;
    errors.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText ?? 'unknown'})`);
  });
  return { context, page, errors };
}

/**
 * A fresh context (its own cookies) that records page errors. Pages navigated to that are answered
 * with one of `expectedStatuses` (by default 422, a form with errors) are by design; Chromium logs
 * those navigations as console errors ("Failed to load resource"), which are expected. `check()`
 * fails on any other error. `contextOptions` go to browser.newContext.
 * Returns { context, page, check }; close `context` when done.
 */
export async function freshContext(browser, { expectedStatuses = [422], contextOptions = {} } = {}) {
  const { context, page, errors } = await openPage(browser, contextOptions);
  const expectedStatusPages = new Set();
  page.on('response', (response) => {
    if (expectedStatuses.includes(response.status()) && response.request().isNavigationRequest()) {
      expectedStatusPages.add(response.url());
    }
  });
  const check = () => {
    const unexpected = errors.filter((error) => {
      const match = /^console\.error: Failed to load resource: the server responded with a status of (\d{3}) \([^)]*\) \((.*)\)$/.exec(error);
      return !(match && expectedStatuses.includes(Number(match[1])) && expectedStatusPages.has(match[2]));
    });
    expectNoPageErrors(unexpected);
  };
  return { context, page, check };
}

/**
 * Run `journey(page)` in a fresh context (see `freshContext` for `options`), fail on unexpected
 * page errors, and always close the context.
 */
export async function inFreshContext(browser, journey, options = {}) {
  const { context, page, check } = await freshContext(browser, options);
  try {
    await journey(page);
    check();
  } finally {
    await context.close();
  }
}

/** Fail with the list of recorded page errors, if any. */
export function expectNoPageErrors(errors) {
  assert.deepEqual(errors, [], `the page reported errors:\n  ${errors.join('\n  ')}`);
}

/**
 * The page axe checks. A page with JavaScript on is checked as it is. Chromium 156 (Debian's
 * 156.0.8078.114) crashes, taking the whole browser down, when axe is injected into a page with
 * JavaScript turned off; so such a page is checked as a copy: its HTML as the browser holds it,
 * scripts removed so the DOM stays the server's, served at the same address (so its styles load)
 * in a page of a context of its own with JavaScript on, at the same viewport size.
 */
async function axeTarget(page) {
  const scripted = await page.evaluate(() => document.body.classList.contains('js-enabled'));
  if (scripted) return { target: page, done: async () => {} };
  const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
  const address = page.url().split('#')[0];
  const context = await page.context().browser().newContext({ viewport: page.viewportSize() });
  const copy = await context.newPage();
  await copy.route(
    (requested) => requested.href.split('#')[0] === address,
    (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
  );
  await copy.goto(address);
  return { target: copy, done: () => context.close() };
}

/**
 * Run axe on the page (WCAG 2.2 AA and below) and fail with a readable list of violations.
 * `options.exclude`: CSS selectors to leave out (use sparingly, with a reason next to the call).
 */
export async function expectNoAxeViolations(page, options = {}) {
  const { target, done } = await axeTarget(page);
  let results;
  try {
    let builder = new AxeBuilder({ page: target }).withTags(AXE_TAGS);
    for (const selector of options.exclude ?? []) builder = builder.exclude(selector);
    results = await builder.analyze();
  } finally {
    await done();
  }
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

// --- Two-factor (TOTP, RFC 6238) ------------------------------------------------------------------

/** Decode RFC 4648 base32 (case-insensitive; spaces, hyphens and '=' padding are ignored). */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const char of clean) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not a base32 character: ${JSON.stringify(char)} in ${JSON.stringify(text)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** TOTP time step length in seconds. */
export const TOTP_STEP_SECONDS = 30;

/** The TOTP time step (unix seconds / 30) at `timeMs` (default now). */
export function totpStep(timeMs = Date.now()) {
  return Math.floor(timeMs / 1000 / TOTP_STEP_SECONDS);
}

/** The 6-digit RFC 6238 code (HMAC-SHA1) for `step`, from the secret as raw bytes. */
export function totpCodeForStep(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/**
 * A code that is not accepted for `secret` around now (differs from every code within two steps),
 * for testing the wrong-code error.
 */
export function wrongTotpCode(secret, step = totpStep()) {
  const nearby = new Set();
  for (let s = step - 2; s <= step + 2; s += 1) nearby.add(totpCodeForStep(secret, s));
  for (let candidate = 123456; ; candidate = (candidate + 111111) % 1_000_000) {
    const code = String(candidate).padStart(6, '0');
    if (!nearby.has(code)) return code;
  }
}

/**
 * A code for the current step, waiting first (up to one step) until the step is later than
 * `lastUsedStep`: the app refuses a code from a step at or before the last one used.
 * Returns { code, step }.
 */
export async function freshTotpCode(secret, lastUsedStep = -1) {
  let step = totpStep();
  while (step <= lastUsedStep) {
    const nextStepAt = (lastUsedStep + 1) * TOTP_STEP_SECONDS * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(50, nextStepAt - Date.now() + 50)));
    step = totpStep();
  }
  return { code: totpCodeForStep(secret, step), step };
}

// --- Journeys shared by test files -----------------------------------------------------------------

/** The password of every demo account (see README, "Demo accounts"). */
export const DEMO_PASSWORD = 'better-care-fund-demo';

/** Go to the sign-in page and sign in through the form, as a person would. */
export async function signIn(page, email, password = DEMO_PASSWORD) {
  await page.goto(url('/sign-in'));
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}

/** Sign out with the "Sign out" button in the service navigation; lands on the sign-in page. */
export async function signOut(page) {
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/sign-in');
  await page.getByText('You have signed out').waitFor();
}

/**
 * Set up two-factor for a just-signed-in account that the app has sent to /account/two-factor:
 * start set-up, read the manual key from the page, first type a wrong code (checking the error),
 * then a computed code, and check the recovery codes page. axe runs on each page on the way
 * unless `checkAccessibility` is false. Leaves the page on the recovery codes page.
 * Returns { secret (Buffer), step (the step whose code was used), recoveryCodes }.
 */
export async function enrolTwoFactor(page, { checkAccessibility = true } = {}) {
  await page.waitForURL((u) => u.pathname === '/account/two-factor');
  await page.getByRole('heading', { level: 1, name: 'Set up two-factor authentication' }).waitFor();
  if (checkAccessibility) await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();

  await page.getByRole('heading', { level: 1, name: 'Set up your authenticator app' }).waitFor();
  const qr = page.getByRole('img', { name: /QR code/ });
  assert.match((await qr.getAttribute('src')) ?? '', /^data:image\//, 'the QR code image has no data: src');
  if (checkAccessibility) await expectNoAxeViolations(page);

  const readKey = async () => {
    const text = (await page.getByText(/^Key:/).innerText()).replace(/^Key:\s*/, '').trim();
    assert.match(text, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, `the manual key is not grouped base32: ${text}`);
    return base32Decode(text);
  };
  let secret = await readKey();
  assert.ok(secret.length >= 16, `the secret is only ${secret.length} bytes`);

  // A wrong code first: the error is shown by the field and in the summary.
  await page.getByLabel('Security code').fill(wrongTotpCode(secret));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await page.getByRole('alert').getByText('There is a problem').waitFor();
  assert.match(await page.title(), /^Error: /, 'the page title should start with "Error: "');
  await page.locator('#code-error').waitFor();
  if (checkAccessibility) await expectNoAxeViolations(page);
  // Still the same key (the pending secret is kept while the person retries).
  assert.deepEqual(await readKey(), secret, 'the key changed after a wrong code');

  const { code, step } = await freshTotpCode(secret);
  await page.getByLabel('Security code').fill(code);
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();

  await page.getByRole('heading', { level: 1, name: 'Your recovery codes' }).waitFor();
  await page.getByText('Two-factor authentication is on').waitFor();
  const recoveryCodes = (await page.getByRole('main').getByRole('list').filter({ has: page.locator('li strong') }).getByRole('listitem').allInnerTexts())
    .map((t) => t.trim());
  assert.equal(recoveryCodes.length, 10, `expected 10 recovery codes, got ${JSON.stringify(recoveryCodes)}`);
  assert.equal(new Set(recoveryCodes).size, 10, 'the recovery codes are not all different');
  if (checkAccessibility) await expectNoAxeViolations(page);
  return { secret, step, recoveryCodes };
}

/** Fail if the page scrolls sideways: its content wider than the window (a phone, say). */
export async function expectNoSidewaysScroll(page) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(
    scrollWidth <= clientWidth,
    `${page.url()} scrolls sideways: ${scrollWidth}px of content in a ${clientWidth}px window`,
  );
}

/** Fail unless every element `locator` finds (a row's actions, say) lies within the window's width. */
export async function expectWithinWidth(page, locator) {
  const width = page.viewportSize().width;
  const boxes = await locator.evaluateAll((elements) =>
    elements.map((element) => {
      const box = element.getBoundingClientRect();
      return { left: box.left + window.scrollX, right: box.right + window.scrollX, text: element.textContent.trim() };
    }),
  );
  assert.ok(boxes.length > 0, 'nothing to check: the locator found no element');
  for (const box of boxes) {
    assert.ok(box.left >= 0 && box.right <= width, `"${box.text}" lies outside the ${width}px window (${box.left}–${box.right})`);
  }
}

/** Wait for the page's one h1 and check its text. */
export async function expectHeading(page, name) {
  const h1 = page.getByRole('heading', { level: 1 });
  await h1.waitFor();
  assert.equal((await h1.innerText()).trim(), name, `unexpected h1 on ${page.url()}`);
}

/** Decode a quoted-printable body (RFC 2045): soft line breaks and =XX octets, as UTF-8. */
function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i += 1) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A message as the mail sink kept it: { to, subject, body } with the body decoded. */
function parseMail({ to, data }) {
  const split = data.indexOf('\r\n\r\n');
  const head = data.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const raw = data.slice(split + 4);
  const header = (name) =>
    head.split('\r\n').find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.slice(name.length + 1).trim() ?? '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  let body = raw;
  if (encoding === 'quoted-printable') body = decodeQuotedPrintable(raw);
  else if (encoding === 'base64') body = Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  return { to, subject: header('Subject'), body: body.replace(/\r\n/g, '\n') };
}

/**
 * Wait (up to `timeoutMs`) for a message to `to` whose subject matches `subject` (a RegExp) in the
 * mail sink run.sh starts (E2E_MAIL_DIR), and return the newest such { to, subject, body }.
 */
export async function waitForMail(to, subject, { timeoutMs = 15000 } = {}) {
  const dir = process.env.E2E_MAIL_DIR;
  if (!dir) throw new Error('E2E_MAIL_DIR is not set: run the browser tests with tests/e2e/run.sh');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .reverse()
      .map((name) => parseMail(JSON.parse(readFileSync(join(dir, name), 'utf8'))))
      .find((mail) => mail.to.includes(to) && subject.test(mail.subject));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} with a subject matching ${subject} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The first link into the app (its path and query) in a mail body, e.g. "/invitations/abc". */
export function linkIn(body, prefix) {
  const start = body.indexOf(prefix);
  assert.ok(start >= 0, `a link starting ${prefix} in the mail:\n${body}`);
  return body.slice(start).split(/\s/)[0];
}
