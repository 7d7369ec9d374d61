// Never losing what was typed (issue 13, items 1 and 2), in a real browser: typed text, "Yes"
// and Continue saves the text with the answer (JavaScript off: the question belongs to the text
// form), and a draft kept by the page's script while typing is offered back in a second browser
// of the same person, restored and saved.
// A partner's own contribution belongs to the same form: typed there, Continue saves it with the
// answer (JavaScript off); its draft is kept while typing and restored in a second browser; and
// posting another form on the page with unsaved words in the box asks first.
// Account: kent.officer (accounts.test.mjs only signs it in and out). Sections no other browser
// test touches: acute-sector-impact, protecting-social-care and plan-of-action (where each
// partner writes its part; Kent County Council's) of Kent's 2014-16 plan.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectHeading, expectNoAxeViolations, freshContext, inFreshContext, launchBrowser, signIn, url } from './support.mjs';

const OFFICER = 'kent.officer@itf.example';
const PLAN_PATH = '/areas/kent/plans/2014-16';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function axeAtBothWidths(page) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await expectNoAxeViolations(page);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function openSection(page, key, title) {
  await page.goto(url(`${PLAN_PATH}/sections/${key}`));
  await expectHeading(page, title);
}

function currentText(page) {
  return page.locator('main .app-section-text').first().innerText();
}

describe('never losing what was typed', () => {
  test('typed text, Yes and Continue saves the text with the answer, JavaScript off', { timeout: 120_000 }, async () => {
    const title = 'National condition: impact on the acute sector';
    const typed = 'Emergency admissions fall by 3.5% a year; the acute trusts agreed this in their contracts.';
    const { context, page, check } = await freshContext(browser, { contextOptions: { javaScriptEnabled: false } });
    try {
      await signIn(page, OFFICER);
      await openSection(page, 'acute-sector-impact', title);
      await page.getByLabel('Edit the text').fill(typed);
      const question = page.getByRole('group', { name: 'Have you completed this section?' });
      await question.getByRole('radio', { name: /^Yes/ }).check();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.waitForURL((u) => u.pathname === PLAN_PATH);
      await page.getByText("Your changes have been saved and the section has been sent to your area lead for review").waitFor();
      const row = page.locator('.govuk-task-list__item').filter({ has: page.getByRole('link', { name: title, exact: true }) });
      assert.equal((await row.locator('.govuk-task-list__status').innerText()).trim(), 'Ready for review');

      await openSection(page, 'acute-sector-impact', title);
      assert.equal((await currentText(page)).trim(), typed, 'the text typed before Continue was saved');
      check();
    } finally {
      await context.close();
    }
    // axe needs script: the same page, JavaScript on.
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await openSection(page, 'acute-sector-impact', title);
      assert.equal((await currentText(page)).trim(), typed);
      await axeAtBothWidths(page);
    });
  });

  test('a draft kept while typing is offered back in another browser, restored and saved, then one discarded', { timeout: 120_000 }, async () => {
    const key = 'protecting-social-care';
    const title = 'National condition: protecting social care services';
    const typed = 'Social care keeps £135m of the pooled fund in 2015/16, protected in the section 75 agreement.';

    const first = await freshContext(browser);
    const second = await freshContext(browser);
    try {
      await signIn(first.page, OFFICER);
      await openSection(first.page, key, title);
      const kept = first.page.waitForResponse(
        (response) => response.url().endsWith(`/sections/${key}/draft`) && response.status() === 204,
        { timeout: 20_000 },
      );
      await first.page.getByLabel('Edit the text').fill(typed);
      await kept;

      // The same person elsewhere, the first browser still open and unsaved.
      await signIn(second.page, OFFICER);
      await openSection(second.page, key, title);
      const banner = second.page.getByRole('region', { name: 'Important' }).filter({ hasText: 'You have unsaved changes from' });
      await banner.waitFor();
      assert.match(await banner.innerText(), /You have unsaved changes from \d{2}:\d{2}\./);
      assert.notEqual(await second.page.getByLabel('Edit the text').inputValue(), typed, 'not restored until asked');
      await axeAtBothWidths(second.page);

      await banner.getByRole('link', { name: 'Restore your unsaved changes' }).click();
      await second.page.waitForURL((u) => u.search === '?draft=restore');
      assert.equal(await second.page.getByLabel('Edit the text').inputValue(), typed, 'the draft is back in the box');
      await second.page.getByText('Your unsaved changes from').waitFor();
      await axeAtBothWidths(second.page);

      await second.page.getByRole('button', { name: 'Save the text' }).click();
      await second.page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/${key}` && u.search === '?done=saved');
      assert.equal((await currentText(second.page)).trim(), typed);
      assert.equal(await second.page.getByText('You have unsaved changes from').count(), 0, 'saving ended the draft');

      // Typed again and kept, then thrown away with Discard: the saved text stays.
      const keptAgain = second.page.waitForResponse(
        (response) => response.url().endsWith(`/sections/${key}/draft`) && response.status() === 204,
        { timeout: 20_000 },
      );
      await second.page.getByLabel('Edit the text').fill(`${typed} A second thought, not wanted.`);
      await keptAgain;
      await openSection(second.page, key, title);
      const again = second.page.getByRole('region', { name: 'Important' }).filter({ hasText: 'You have unsaved changes from' });
      await again.getByRole('button', { name: 'Discard your unsaved changes' }).click();
      await second.page.getByText('Your unsaved changes have been discarded').waitFor();
      assert.equal(await second.page.getByText('You have unsaved changes from').count(), 0, 'the draft is gone');
      assert.equal(await second.page.getByLabel('Edit the text').inputValue(), typed, 'the saved text is in the box');
      await axeAtBothWidths(second.page);
      first.check();
      second.check();
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });
});

describe("a partner's contribution in the section's form", () => {
  const key = 'plan-of-action';
  const title = 'Plan of action';
  const boxLabel = "Edit Kent County Council's contribution";
  const councilPart = (page) => page.getByRole('region', { name: 'Kent County Council' });

  test('typed in the contribution box, Yes and Continue saves it with the answer, JavaScript off', { timeout: 120_000 }, async () => {
    const typed = 'The council commissions the reablement service from April 2015, overseen by the joint board.';
    const { context, page, check } = await freshContext(browser, { contextOptions: { javaScriptEnabled: false } });
    try {
      await signIn(page, OFFICER);
      await openSection(page, key, title);
      await page.getByLabel(boxLabel).fill(typed);
      const question = page.getByRole('group', { name: 'Have you completed this section?' });
      await question.getByText('Anything you typed above is saved too.').waitFor();
      await question.getByRole('radio', { name: /^Yes/ }).check();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.waitForURL((u) => u.pathname === PLAN_PATH);
      await page.getByText('Your changes have been saved and the section has been sent to your area lead for review').waitFor();
      await openSection(page, key, title);
      assert.equal((await councilPart(page).locator('.app-section-text').innerText()).trim(), typed, 'the contribution typed before Continue was saved');
      check();
    } finally {
      await context.close();
    }
  });

  test('a contribution draft is restored in another browser; posting a comment with unsaved words asks first', { timeout: 120_000 }, async () => {
    const typed = 'Milestones: the integrated discharge team live by June 2015, reported monthly to the board.';
    const first = await freshContext(browser);
    const second = await freshContext(browser);
    try {
      await signIn(first.page, OFFICER);
      await openSection(first.page, key, title);
      const kept = first.page.waitForResponse(
        (response) => /\/contributions\/\d+\/draft$/.test(response.url()) && response.status() === 204,
        { timeout: 20_000 },
      );
      await first.page.getByLabel(boxLabel).fill(typed);
      await kept;

      await signIn(second.page, OFFICER);
      await openSection(second.page, key, title);
      const offer = councilPart(second.page).getByText(/You have unsaved changes to this contribution from \d{2}:\d{2}\./);
      await offer.waitFor();
      assert.notEqual(await second.page.getByLabel(boxLabel).inputValue(), typed, 'not restored until asked');
      await axeAtBothWidths(second.page);
      await councilPart(second.page).getByRole('link', { name: /^Restore your unsaved changes/ }).click();
      await second.page.waitForURL((u) => u.search === '?draft=restore-contribution');
      assert.equal(await second.page.getByLabel(boxLabel).inputValue(), typed, 'the draft is back in the box');
      await axeAtBothWidths(second.page);

      // More words typed, then a comment posted: the page asks before the words are left behind.
      await second.page.getByLabel(boxLabel).click();
      await second.page.getByLabel(boxLabel).press('End');
      await second.page.getByLabel(boxLabel).pressSequentially(' Agreed.');
      await second.page.getByLabel('Add a comment').fill('Is June realistic?');
      const asked = new Promise((resolve) => {
        second.page.once('dialog', async (dialog) => {
          resolve(dialog.type());
          await dialog.dismiss();
        });
      });
      await second.page.getByRole('button', { name: 'Add comment' }).click({ noWaitAfter: true });
      assert.equal(await asked, 'beforeunload');
      assert.equal(await second.page.getByLabel(boxLabel).inputValue(), `${typed} Agreed.`, 'still on the page, with the words');

      await second.page.getByRole('button', { name: 'Save the contribution' }).click();
      await second.page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/${key}` && u.search === '?done=contribution');
      await second.page.getByText("Your organisation's contribution has been saved").waitFor();
      assert.equal((await councilPart(second.page).locator('.app-section-text').innerText()).trim(), `${typed} Agreed.`);
      assert.equal(await second.page.getByText('You have unsaved changes to this contribution').count(), 0, 'saving ended the draft');

      // Enter on an answer sends it with Continue, not with the form's first button (a save).
      const no = second.page.getByRole('group', { name: 'Have you completed this section?' }).getByRole('radio', { name: /^No/ });
      await no.focus();
      await second.page.keyboard.press('Enter');
      await second.page.waitForURL((u) => u.pathname === PLAN_PATH);
      await second.page.getByText('The section has been marked as in progress').waitFor();
      first.check();
      second.check();
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });
});
