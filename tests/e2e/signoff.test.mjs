// Sign-off in a real browser, against the whole demo (run.sh starts a server with it): Kent's
// 2014-16 plan is in partner sign-off with seven of its eight signatures. NHS West Kent CCG's
// signatory sets up two-factor and gives the last signature with a fresh code; the board secretary
// sets up two-factor, records the board's approval, and sees the plan ready to submit, on the
// sign-off page and on the task list. The snapshot's document printed has no navigation and no
// forms, and shows its hash and the table of decisions. axe on every page.
// Accounts: kent.signatory and kent.secretary, on their own server (no other test uses it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  enrolTwoFactor,
  expectHeading,
  expectNoAxeViolations,
  freshContext,
  freshTotpCode,
  launchBrowser,
  signIn,
  url,
} from './support.mjs';

const PLAN_PATH = '/areas/kent/plans/2014-16';
const SIGN_OFF_PATH = `${PLAN_PATH}/sign-off`;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});


async function expectSuccess(page, message) {
  const banner = page.getByRole('alert').filter({ hasText: 'Success' });
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
}

/** The "State" of the current round on the sign-off page. */
async function roundState(page) {
  const row = page.locator('#current-round + dl .govuk-summary-list__row').filter({ hasText: 'State' });
  return (await row.locator('dd').innerText()).trim();
}

/** Signs in a demo account that must set up two-factor, sets it up, and lands on "Your areas". */
async function signInWithNewTwoFactor(page, email) {
  await signIn(page, email);
  const enrolment = await enrolTwoFactor(page);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.pathname === '/');
  return enrolment;
}

describe('sign-off', () => {
  test('the last CCG signs with a fresh code; the board secretary records the approval and sees the plan ready to submit; the snapshot prints as a board paper', async () => {
    const signatory = await freshContext(browser);
    const secretary = await freshContext(browser);
    try {
      // NHS West Kent CCG's signatory: the task list says who has signed so far.
      let page = signatory.page;
      const { secret, step } = await signInWithNewTwoFactor(page, 'kent.signatory@itf.example');
      await page.goto(url(PLAN_PATH));
      const status = page.locator('#sign-off-link');
      assert.match(await status.innerText(), /Partner sign-off \(7 of 8 signed\)/);
      await status.getByRole('link', { name: 'Sign-off' }).click();
      await page.waitForURL((u) => u.pathname === SIGN_OFF_PATH);
      await expectHeading(page, 'Sign-off');
      assert.equal(await roundState(page), 'Partner sign-off');
      await expectNoAxeViolations(page);

      await page.getByRole('link', { name: "Record your organisation's decision" }).click();
      await expectHeading(page, "Your organisation's decision");
      await page.getByText('NHS West Kent CCG', { exact: false }).first().waitFor();
      await expectNoAxeViolations(page);
      await page.getByRole('group', { name: 'Your decision' }).getByRole('radio', { name: 'Approve', exact: true }).check();
      await page.getByLabel('By (your name)').fill('West Kent CCG accountable officer');
      await page.getByLabel('Position').fill('Accountable officer');
      // Signing needs a code from a step later than the one used to set two-factor up.
      const { code } = await freshTotpCode(secret, step);
      await page.getByLabel('Code from your authenticator app').fill(code);
      await page.getByRole('button', { name: 'Record the decision' }).click();
      await page.waitForURL((u) => u.pathname === SIGN_OFF_PATH);
      await expectSuccess(page, "Your organisation's decision has been recorded");
      assert.equal(await roundState(page), 'Board approval');
      await expectNoAxeViolations(page);
      signatory.check();

      // The board secretary records the board's approval.
      page = secretary.page;
      await signInWithNewTwoFactor(page, 'kent.secretary@itf.example');
      await page.goto(url(SIGN_OFF_PATH));
      await page.getByRole('link', { name: "Record the board's decision" }).click();
      await expectHeading(page, "The board's decision");
      await expectNoAxeViolations(page);
      const today = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'numeric', year: 'numeric' })
        .formatToParts(new Date())
        .reduce((parts, part) => ({ ...parts, [part.type]: part.value }), {});
      await page.getByLabel('Board, or who decided on its behalf').fill('Kent Health and Wellbeing Board');
      const date = page.getByRole('group', { name: 'Date of the decision' });
      await date.getByLabel('Day').fill(today.day);
      await date.getByLabel('Month').fill(today.month);
      await date.getByLabel('Year').fill(today.year);
      await page.getByLabel('Agenda item (optional)').fill('Item 6');
      await page.getByLabel(/^Minute reference/).fill('Minute KHWB 14/27');
      await page.getByLabel('Resolution (optional)').fill('That the Better Care Fund plan for 2014/15 and 2015/16 be approved for submission.');
      await page.getByRole('group', { name: "The board's decision" }).getByRole('radio', { name: 'Approved', exact: true }).check();
      await page.getByRole('button', { name: 'Record the decision' }).click();
      await page.waitForURL((u) => u.pathname === SIGN_OFF_PATH);
      await expectSuccess(page, "The board's decision has been recorded");
      assert.equal(await roundState(page), 'Ready to submit');
      await page.locator('#timeline').waitFor();
      assert.match(await page.locator('main').innerText(), /Minute KHWB 14\/27/);
      await expectNoAxeViolations(page);

      // The task list shows the plan's new state.
      await page.goto(url(PLAN_PATH));
      assert.match(await page.locator('#sign-off-link').innerText(), /Ready to submit/);
      await expectNoAxeViolations(page);

      // The snapshot as a board paper: printed, no navigation or forms; the hash and the decisions.
      await page.goto(url(`${SIGN_OFF_PATH}/rounds/1/document`));
      await expectNoAxeViolations(page);
      await page.emulateMedia({ media: 'print' });
      for (const selector of ['header', 'nav', 'footer', 'form', '.govuk-breadcrumbs', '.govuk-service-navigation']) {
        const visible = await page.locator(selector).evaluateAll((elements) =>
          elements.filter((element) => element.getClientRects().length > 0).length);
        assert.equal(visible, 0, `${selector} should not be printed`);
      }
      const main = await page.locator('main').innerText();
      assert.match(main, /[0-9a-f]{64}/, 'the printed snapshot shows its SHA-256');
      assert.match(main, /NHS West Kent CCG/, 'the printed snapshot lists the decisions');
      const shot = join(mkdtempSync(join(tmpdir(), 'itf-print-')), 'snapshot-print.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(statSync(shot).size > 10_000, 'the print screenshot has content');
      await page.emulateMedia({ media: 'screen' });
      secretary.check();
    } finally {
      await signatory.context.close();
      await secretary.context.close();
    }
  });
});
