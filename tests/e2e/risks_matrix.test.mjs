// The risk matrix in a real browser: Rotherham's lead opens the matrix from the register, makes it
// 4 × 4 through the size step, saves it with a mistake, fixes it, and the register then says the
// matrix changed; axe on every page on the way. Then, with JavaScript off, the page has no inline
// script and the size step (a plain GET form) still works.
// Accounts: rotherham.lead only signs in here; no other browser test touches Rotherham's register.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expectNoAxeViolations,
  expectNoPageErrors,
  findInlineScript,
  launchBrowser,
  openPage,
  signIn,
  url,
} from './support.mjs';

const LEAD = 'rotherham.lead@itf.example';
const REGISTER_PATH = '/areas/rotherham/risks';
const MATRIX_PATH = `${REGISTER_PATH}/matrix`;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('the risk matrix', () => {
  test('the lead makes it 4 × 4, fixing a mistake on the way', { timeout: 180_000 }, async () => {
    const { context, page, errors } = await openPage(browser);
    // The form with the mistake answers 422 by design; Chromium logs that as a failed load.
    const refused = new Set();
    page.on('response', (response) => {
      if (response.status() === 422 && response.request().isNavigationRequest()) refused.add(response.url());
    });
    try {
      await signIn(page, LEAD);
      await page.goto(url(REGISTER_PATH));
      await page.getByRole('link', { name: 'See the risk matrix' }).click();
      await page.waitForURL((u) => u.pathname === MATRIX_PATH);
      assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), 'Risk matrix');
      assert.match(await page.locator('#matrix caption').innerText(), /\(5 × 5\)/);
      await expectNoAxeViolations(page);

      // The size step is a plain GET form.
      await page.getByLabel('Likelihood levels', { exact: true }).fill('4');
      await page.getByLabel('Impact levels', { exact: true }).fill('4');
      await page.getByRole('button', { name: 'Change the size' }).click();
      await page.waitForURL((u) => u.searchParams.get('likelihood_levels') === '4');
      assert.equal(await page.locator('#likelihood_5').count(), 0, 'four likelihood levels');
      await page.locator('#likelihood_4').fill('Very likely');
      await page.locator('#impact_4').fill('Critical');

      // A mistake: band 2 starting above band 3.
      await page.locator('#band_2_from').fill('20');
      await page.getByRole('button', { name: 'Save the new matrix' }).click();
      await page.locator('.govuk-error-summary').waitFor();
      assert.match(await page.title(), /^Error: /);
      assert.match(await page.locator('#band_3_from-error').innerText(), /higher score than the one before it/);
      assert.equal(await page.locator('#likelihood_4').inputValue(), 'Very likely', 'what was typed is kept');
      await expectNoAxeViolations(page);

      await page.locator('#band_2_from').fill('4');
      await page.getByRole('button', { name: 'Save the new matrix' }).click();
      await page.waitForURL((u) => u.searchParams.get('done') === 'changed');
      assert.match(await page.locator('#matrix caption').innerText(), /\(4 × 4\)/);
      assert.equal(await page.locator('#matrix-history tbody tr').count(), 2, 'the history lists both');
      await expectNoAxeViolations(page);

      await page.getByRole('link', { name: 'Back to the risk register' }).click();
      await page.waitForURL((u) => u.pathname === REGISTER_PATH);
      assert.match(await page.locator('#matrix-note').innerText(), /The risk matrix changed on .* by /);
      await expectNoAxeViolations(page);
      expectNoPageErrors(errors.filter((error) => ![...refused].some((u) => error.includes('status of 422') && error.includes(u))));
    } finally {
      await context.close();
    }
  });

  test('with JavaScript off, the page has no inline script and the size step works', { timeout: 120_000 }, async () => {
    const { context, page, errors } = await openPage(browser, { javaScriptEnabled: false });
    try {
      await signIn(page, LEAD);
      await page.goto(url(MATRIX_PATH));
      assert.deepEqual(await findInlineScript(page), [], 'the matrix page has inline script');
      await page.getByLabel('Likelihood levels', { exact: true }).fill('6');
      await page.getByRole('button', { name: 'Change the size' }).click();
      await page.waitForURL((u) => u.searchParams.get('likelihood_levels') === '6');
      await page.locator('#likelihood_6').waitFor();
      expectNoPageErrors(errors);
    } finally {
      await context.close();
    }
  });
});
