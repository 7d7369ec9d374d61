// The start page, the 404 page and the security headers, in a real browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expectNoAxeViolations,
  expectNoPageErrors,
  findInlineScript,
  launchBrowser,
  openPage,
  parseCsp,
  url,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('start page', () => {
  test('loads with 200, has its heading, no page errors, JS enhancement ran, axe clean', async () => {
    const { context, page, errors } = await openPage(browser);
    try {
      const response = await page.goto(url('/'), { waitUntil: 'load' });
      assert.ok(response, 'no response for /');
      assert.equal(response.status(), 200, `GET / returned ${response.status()}`);
      assert.match(response.headers()['content-type'] ?? '', /^text\/html/);

      const h1 = page.locator('h1');
      assert.equal(await h1.count(), 1, 'the start page should have exactly one h1');
      const heading = (await h1.innerText()).trim();
      assert.match(heading, /ITF planner|Better Care Fund/i, `unexpected h1: ${heading}`);

      const lang = await page.locator('html').getAttribute('lang');
      assert.ok(lang, '<html> should have a lang attribute');

      // govuk-frontend's body-class snippet runs from a same-origin script file.
      const bodyClass = (await page.locator('body').getAttribute('class')) ?? '';
      assert.match(bodyClass, /\bgovuk-frontend-supported\b/, `body class was "${bodyClass}"`);

      expectNoPageErrors(errors);
      await expectNoAxeViolations(page);
    } finally {
      await context.close();
    }
  });

  test('sends a Content-Security-Policy without inline script, and the HTML has none', async () => {
    const { context, page } = await openPage(browser, { javaScriptEnabled: false });
    try {
      const response = await page.goto(url('/'));
      assert.equal(response.status(), 200);
      const headers = response.headers();
      const csp = headers['content-security-policy'];
      assert.ok(csp, `no Content-Security-Policy header; headers were: ${Object.keys(headers).join(', ')}`);

      const directives = parseCsp(csp);
      const scriptSrc = directives.get('script-src') ?? directives.get('default-src');
      assert.ok(scriptSrc, `CSP has neither script-src nor default-src: ${csp}`);
      assert.ok(!scriptSrc.includes("'unsafe-inline'"), `CSP allows inline script: ${csp}`);
      assert.ok(!scriptSrc.includes('*'), `CSP allows script from anywhere: ${csp}`);

      assert.deepEqual(await findInlineScript(page), [], 'the start page HTML contains inline script');
    } finally {
      await context.close();
    }
  });
});

describe('404 page', () => {
  test('an unknown path gets a 404 page that is accessible', async () => {
    const { context, page } = await openPage(browser);
    try {
      const response = await page.goto(url('/no-such-page'), { waitUntil: 'load' });
      assert.ok(response, 'no response for /no-such-page');
      assert.equal(response.status(), 404, `GET /no-such-page returned ${response.status()}`);
      assert.match(response.headers()['content-type'] ?? '', /^text\/html/);
      assert.ok(response.headers()['content-security-policy'], 'the 404 page has no CSP header');

      const heading = (await page.locator('h1').first().innerText()).trim();
      assert.ok(heading.length > 0, 'the 404 page should have an h1');

      await expectNoAxeViolations(page);
    } finally {
      await context.close();
    }
  });
});
