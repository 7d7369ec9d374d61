// The programme dashboard in a real browser, against the demo with its plans being drafted
// (run.sh: ITF_DEMO_SIGN_OFF=false). The national assurer sets up two-factor at first sign-in,
// opens Programme from the service navigation, chooses the 2014-16 cycle and red areas with the
// filter form, and sees only red rows: the 2014-16 deadlines (2014) are long past and not met, so
// Kent and Rotherham (both with a 2014-16 plan) are red. axe before and after filtering.
// Account: assurer@itf.example (no other test uses it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  enrolTwoFactor,
  expectHeading,
  expectNoSidewaysScroll,
  expectNoAxeViolations,
  inFreshContext,
  launchBrowser,
  signIn,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});


/** Each row of the dashboard's table: its area's short name and its overall colour's word. */
async function rows(page) {
  return page.locator('#programme tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      area: tr.getAttribute('data-area'),
      rag: tr.getAttribute('data-rag'),
      overall: tr.querySelector('td')?.innerText.trim() ?? '',
    })),
  );
}

/** The "Showing N of M areas" count, as numbers. */
async function count(page) {
  const text = (await page.locator('#programme-count').innerText()).trim();
  const match = text.match(/^Showing (\d+) of (\d+) areas?$/);
  assert.ok(match, `unexpected count: ${text}`);
  return { shown: Number(match[1]), total: Number(match[2]) };
}

describe('programme dashboard', () => {
  test('the assurer opens Programme and filters it to red areas with the form', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, 'assurer@itf.example');
      await enrolTwoFactor(page, { checkAccessibility: false });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.pathname === '/');

      await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Programme', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/programme');
      await expectHeading(page, 'Programme');
      const everyArea = await rows(page);
      const slugs = everyArea.map((row) => row.area);
      assert.ok(slugs.includes('kent') && slugs.includes('rotherham'), `rows: ${slugs.join(', ')}`);
      const all = await count(page);
      assert.equal(all.shown, all.total, 'unfiltered, every area is shown');
      await expectNoAxeViolations(page);

      // The filter form, as a person would use it: the 2014-16 cycle, red areas only.
      await page.getByLabel('Cycle').selectOption('2014-16');
      await page.getByLabel('Colour').selectOption('red');
      await page.getByRole('button', { name: 'Show areas' }).click();
      await page.waitForURL((u) => u.pathname === '/programme' && u.searchParams.get('rag') === 'red');
      await expectHeading(page, 'Programme');

      const red = await rows(page);
      assert.ok(red.length > 0, 'some areas are red');
      for (const row of red) {
        assert.equal(row.rag, 'red', `${row.area} is shown but is ${row.rag}`);
        assert.equal(row.overall, 'Red', `${row.area}'s overall colour is not "Red" in words`);
      }
      const redSlugs = red.map((row) => row.area);
      assert.ok(redSlugs.includes('kent'), `Kent's 2014-16 deadlines are overdue: ${redSlugs.join(', ')}`);
      assert.ok(redSlugs.includes('rotherham'), `Rotherham's too: ${redSlugs.join(', ')}`);
      const filtered = await count(page);
      assert.equal(filtered.shown, red.length, 'the count matches the rows');
      assert.equal(await page.getByLabel('Colour').inputValue(), 'red', 'the form keeps the filter');
      assert.equal(await page.getByLabel('Cycle').inputValue(), '2014-16');
      await page.locator('#programme tbody').getByText('days overdue').first().waitFor();
      await expectNoAxeViolations(page);

      // The national view: every area's plan of the cycle in one table, filtered with its form.
      await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'National view', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/national');
      await expectHeading(page, 'National view');
      await expectNoAxeViolations(page);
      await page.getByLabel('Cycle').selectOption('2014-16');
      // The kept table comes compressed once and joined with the rest of the page in one gzip
      // stream: the browser must read it as any other page.
      const shown = page.waitForResponse((r) => new URL(r.url()).pathname === '/national' && r.request().isNavigationRequest());
      await page.getByRole('button', { name: 'Show areas' }).click();
      assert.equal((await shown).headers()['content-encoding'], 'gzip', 'the national view joined in gzip');
      await page.waitForURL((u) => u.pathname === '/national' && u.searchParams.get('template') === '2014-16');
      const table = page.locator('#national');
      await table.getByRole('rowheader', { name: 'Kent', exact: true }).or(table.getByRole('cell', { name: 'Kent', exact: true })).first().waitFor();
      const national = (await page.locator('#national-count').innerText()).trim();
      assert.match(national, /^Showing \d+ of \d+ areas?$/);
      assert.equal(await page.getByLabel('Cycle').inputValue(), '2014-16', 'the form keeps the cycle');
      await expectNoAxeViolations(page);
      // On a phone the table scrolls inside its region, not the page.
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      await expectNoAxeViolations(page);
      await page.setViewportSize({ width: 1280, height: 720 });

      // API tokens for the JSON API, from the national view: an empty name refused by its field,
      // a token made and shown once, then revoked.
      await page.getByRole('link', { name: 'API tokens', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/account/api-tokens');
      await expectHeading(page, 'API tokens');
      await expectNoAxeViolations(page);
      await page.getByRole('button', { name: 'Make the token' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.equal(await page.locator('#name-error').count(), 1, 'an error by the name field');
      await expectNoAxeViolations(page);
      await page.getByLabel('Name', { exact: true }).fill('Programme dashboard in a browser test');
      await page.getByRole('button', { name: 'Make the token' }).click();
      await page.getByRole('heading', { name: 'The token "Programme dashboard in a browser test"' }).waitFor();
      const token = (await page.getByLabel('API token').inputValue()).trim();
      assert.ok(token.length >= 32, `a long token is shown once: "${token}"`);
      await expectNoAxeViolations(page);
      const answer = await page.request.get(new URL('/api/v1/areas', page.url()).href, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(answer.status(), 200, 'the token reads the API');
      await page.goto(new URL('/account/api-tokens', page.url()).href);
      assert.equal(await page.getByText(token).count(), 0, 'the token is not shown again');
      await page.getByRole('button', { name: 'Revoke Programme dashboard in a browser test' }).click();
      await page.locator('.govuk-notification-banner--success').waitFor();
      await expectNoAxeViolations(page);
      const refused = await page.request.get(new URL('/api/v1/areas', page.url()).href, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(refused.status(), 401, 'a revoked token is refused');
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      await expectNoAxeViolations(page);
    });
  });
});
