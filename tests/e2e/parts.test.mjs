// The plan's structured parts in a real browser: a CCG officer opens Rotherham's 2014-16 plan,
// reads on the checks page that the pooled fund falls short of the revised notified minimum, enters
// the CCG's extra money with a mistake, fixes it, and sees the checks page change (the minimum now
// met, the new money not yet spent by any scheme); axe on every part's page, error state included.
// Then the comparison with the last cycle, and the workbook: its own export re-imported changes
// nothing, and a file that is not a workbook is refused by its field.
// Account: rotherham.officer (NHS Rotherham CCG) signs in only here. No other browser test changes
// Rotherham's funding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectNoAxeViolations, inFreshContext, launchBrowser, signIn } from './support.mjs';

const OFFICER = 'rotherham.officer@itf.example';
const PLAN = '/areas/rotherham/plans/2014-16';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** The check section with this heading, as text. */
async function checkText(page, title) {
  const section = page.locator('section').filter({ has: page.getByRole('heading', { name: title }) });
  await section.waitFor();
  return section.innerText();
}

describe('the plan’s structured parts', () => {
  test('an officer enters a funding line with a mistake, fixes it and sees the checks change', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(new URL(PLAN, page.url()).href);
      await expectNoAxeViolations(page);
      await page.getByRole('link', { name: 'Checks', exact: true }).first().click();
      await page.getByRole('heading', { level: 1, name: 'Checks' }).waitFor();
      await expectNoAxeViolations(page);
      const minimumCheck = 'The pooled fund is at least the notified minimum in each year';
      const spendCheck = 'Funding sources equal scheme spend in each year';
      assert.match(await checkText(page, minimumCheck), /2015\/16: the pooled fund of £20,000,000 is £100,000 short/);
      assert.doesNotMatch(await checkText(page, spendCheck), /2015\/16/);

      // Every part's page is accessible.
      for (const part of ['Schemes', 'Metrics', 'National conditions', 'Engagement log', 'Funding']) {
        await page.getByRole('navigation', { name: 'Parts of the plan' }).getByRole('link', { name: part }).click();
        await page.getByRole('heading', { level: 1 }).waitFor();
        await expectNoAxeViolations(page);
      }

      // The CCG's 2015/16 lines.
      await page.locator('a[href$="/2015-16"]').filter({ hasText: /NHS Rotherham CCG/ }).first().click();
      const extra = page.locator('#amount-additional-ccg-contribution');
      await extra.waitFor();
      await extra.fill('£10,100,000.505');
      await page.getByRole('button', { name: /Save/ }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.equal(await extra.inputValue(), '£10,100,000.505', 'the typed amount is kept');
      await expectNoAxeViolations(page);
      await extra.fill('£10,100,000');
      await page.getByRole('button', { name: /Save/ }).click();
      await page.getByRole('alert').filter({ hasText: 'Success' }).waitFor();

      await page.getByRole('navigation', { name: 'Parts of the plan' }).getByRole('link', { name: 'Checks' }).click();
      await page.getByRole('heading', { level: 1, name: 'Checks' }).waitFor();
      assert.doesNotMatch(await checkText(page, minimumCheck), /2015\/16/, 'the minimum is met now');
      assert.match(
        await checkText(page, spendCheck),
        /2015\/16: funding sources total £20,100,000 but schemes spend £20,000,000 \(£100,000 not allocated to a scheme\)/,
      );
      await expectNoAxeViolations(page);
    });
  });

  test('each part’s form refuses bad input accessibly, keeping what was typed', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await page.waitForURL((u) => u.pathname === '/');
      const cases = [
        { path: `${PLAN}/schemes/new`, fill: [['#name', ''], ['#spend-2015-16', '£1.2m']] },
        { path: `${PLAN}/metrics/residential-admissions`, fill: [['#goal-2015-16', 'about 600']] },
        { path: `${PLAN}/conditions/jointly-agreed`, check: 'input[name="status"][value="met"]', fill: [['#how', '']] },
        { path: `${PLAN}/engagement/new`, fill: [['#audience', 'Healthwatch Rotherham members'], ['#held_on', '31/2/2014']] },
      ];
      for (const { path, fill, check } of cases) {
        await page.goto(new URL(path, page.url()).href);
        await page.getByRole('heading', { level: 1 }).waitFor();
        if (check) await page.locator(check).check();
        for (const [selector, value] of fill) await page.locator(selector).fill(value);
        await page.locator('main form button[type="submit"]').first().click();
        await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
        for (const [selector, value] of fill) {
          assert.equal(await page.locator(selector).inputValue(), value, `${path}: ${selector} kept`);
        }
        await expectNoAxeViolations(page);
      }
    });
  });

  test('an officer compares with the last cycle, and re-imports the plan’s own workbook to find nothing to change', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(new URL(`/areas/rotherham/plans/2025-26/funding`, page.url()).href);
      const parts = page.getByRole('navigation', { name: 'Parts of the plan' });
      await parts.getByRole('link', { name: 'Compare with the last cycle' }).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
      assert.match(await page.locator('main').innerText(), /Disabled Facilities Grant/);
      await expectNoAxeViolations(page);

      await parts.getByRole('link', { name: 'Workbook' }).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
      await expectNoAxeViolations(page);
      // The workbook as the download link gives it (with the page's cookies), uploaded as it is.
      const workbook = await (await page.request.get(new URL('/areas/rotherham/plans/2025-26/workbook.xlsx', page.url()).href)).body();
      await page.getByLabel('The workbook').setInputFiles({
        name: 'rotherham-2025-26.xlsx',
        mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        buffer: workbook,
      });
      await page.getByRole('button', { name: 'Preview the import' }).click();
      await page.locator('#nothing-to-change').waitFor();
      assert.match(await page.locator('#nothing-to-change').innerText(), /Nothing to change/);
      await expectNoAxeViolations(page);

      // Not a workbook: told by the file field.
      await page.getByLabel('The workbook').setInputFiles({
        name: 'notes.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('not a workbook'),
      });
      await page.getByRole('button', { name: 'Preview the import' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      await expectNoAxeViolations(page);
    });
  });
});
