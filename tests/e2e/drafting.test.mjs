// Drafting the demo Kent plan in a real browser with JavaScript on: writing a section and marking
// it ready for review and completed, an edit conflict between two people, history and comparing
// versions, and error, search and contributions pages.
// Accounts: kent.thanet.officer and kent.lead only (accounts.test.mjs uses the others), and
// sections no other browser test touches: seven-day-services, data-sharing, joint-assessment
// (case-for-change is only read).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectHeading, expectNoAxeViolations, freshContext, inFreshContext, launchBrowser, signIn } from './support.mjs';

const OFFICER = 'kent.thanet.officer@itf.example';
const LEAD = 'kent.lead@itf.example';
const PLAN = 'ITF/BCF plan 2014/15–2015/16';
const PLAN_PATH = '/areas/kent/plans/2014-16';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Pages answered 422 (a form with errors) or 409 (an edit conflict) are by design. */
const EXPECTED_STATUSES = { expectedStatuses: [409, 422] };

function pathOf(page) {
  return new URL(page.url()).pathname;
}


/** From "Your areas" (where signing in lands): Kent, Plans, the 2014/15–2015/16 plan's task list. */
async function openKentPlan(page) {
  await page.waitForURL((u) => u.pathname === '/');
  await page.getByRole('main').getByRole('link', { name: 'Kent', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/areas/kent');
  await page.getByRole('main').getByRole('link', { name: 'Plans', exact: true }).click();
  await page.waitForURL((u) => u.pathname === '/areas/kent/plans');
  await expectHeading(page, 'Plans');
  await page.getByRole('main').getByRole('link', { name: PLAN, exact: true }).click();
  await page.waitForURL((u) => u.pathname === PLAN_PATH);
  await expectHeading(page, PLAN);
}

/** The task list row of the section titled `title`. */
function taskRow(page, title) {
  return page
    .locator('.govuk-task-list__item')
    .filter({ has: page.getByRole('link', { name: title, exact: true }) });
}

async function taskStatus(page, title) {
  const row = taskRow(page, title);
  assert.equal(await row.count(), 1, `no single task list row for "${title}"`);
  return (await row.locator('.govuk-task-list__status').innerText()).trim();
}

/** From the task list, open the section titled `title`. */
async function openSection(page, title, key) {
  await page.getByRole('main').getByRole('link', { name: title, exact: true }).first().click();
  await page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/${key}`);
  await expectHeading(page, title);
}

async function expectSuccess(page, message) {
  const banner = page.getByRole('alert').filter({ hasText: 'Success' });
  await banner.waitFor();
  assert.match(await banner.innerText(), new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
}

/** Answer "Have you completed this section?" with Yes and continue; lands on the task list. */
async function answerCompleted(page) {
  const question = page.getByRole('group', { name: 'Have you completed this section?' });
  await question.getByRole('radio', { name: /^Yes/ }).check();
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.waitForURL((u) => u.pathname === PLAN_PATH);
  await expectHeading(page, PLAN);
}

/** The text of the section's "Current text" (its rendered Markdown). */
async function currentText(page) {
  return (await page.locator('main .app-section-text').first().innerText()).replace(/\s+/g, ' ').trim();
}

describe('drafting the plan', () => {
  test('an officer writes a section and marks it ready for review; the lead completes it', async () => {
    const title = 'National condition: seven-day services';
    const text =
      'Community nursing, reablement and social work teams will work seven days a week from April 2015, ' +
      'so that people can leave hospital at weekends.';

    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await openKentPlan(page);
      await page.getByRole('list').filter({ has: page.locator('.govuk-task-list__item') }).waitFor();
      assert.equal(await taskStatus(page, title), 'Not started');
      await expectNoAxeViolations(page);

      await openSection(page, title, 'seven-day-services');
      await page.getByText('Nothing has been written yet.').waitFor();
      await page.getByLabel('Edit the text').fill(text);
      await page.getByRole('button', { name: 'Save the text' }).click();
      await page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/seven-day-services`);
      await expectSuccess(page, 'Your changes have been saved');
      assert.equal(await currentText(page), text);
      assert.equal(await page.getByLabel('Edit the text').inputValue(), text, 'the edit box should hold the saved text');
      await expectNoAxeViolations(page);

      await answerCompleted(page);
      assert.equal(await taskStatus(page, title), 'Ready for review');
    }, EXPECTED_STATUSES);

    await inFreshContext(browser, async (page) => {
      await signIn(page, LEAD);
      await openKentPlan(page);
      assert.equal(await taskStatus(page, title), 'Ready for review');
      await openSection(page, title, 'seven-day-services');
      assert.equal(await currentText(page), text);
      await answerCompleted(page);
      assert.equal(await taskStatus(page, title), 'Completed');
      await expectNoAxeViolations(page);
    }, EXPECTED_STATUSES);
  });

  test('two people edit the same section: the second gets the conflict page, merges and saves', async () => {
    const title = 'National condition: data sharing';
    const key = 'data-sharing';
    const leadText = 'The NHS number is used on all correspondence between health and social care.';
    const officerText = 'Thanet practices share care plans with the council through the Kent Care Record.';
    const merged = `${leadText}\n\n${officerText}`;

    const lead = await freshContext(browser, EXPECTED_STATUSES);
    const officer = await freshContext(browser, EXPECTED_STATUSES);
    try {
      // Both open the section before either saves.
      await signIn(lead.page, LEAD);
      await openKentPlan(lead.page);
      await openSection(lead.page, title, key);
      await signIn(officer.page, OFFICER);
      await openKentPlan(officer.page);
      await openSection(officer.page, title, key);

      await lead.page.getByLabel('Edit the text').fill(leadText);
      await officer.page.getByLabel('Edit the text').fill(officerText);

      await lead.page.getByRole('button', { name: 'Save the text' }).click();
      await expectSuccess(lead.page, 'Your changes have been saved');
      assert.equal(await currentText(lead.page), leadText);

      // The officer's page still has the old version: saving gets the conflict page, not a save.
      const page = officer.page;
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Save the text' }).click(),
      ]);
      assert.equal(response.status(), 409, 'a conflicting save should be answered 409 Conflict');
      await expectHeading(page, 'Someone else changed this section while you were editing');
      await page.getByText('Kent area lead', { exact: false }).first().waitFor();
      const yours = page.getByLabel('Your text');
      assert.equal(await yours.inputValue(), officerText, 'the conflict page should keep the officer\'s text');
      assert.equal(
        await page.getByLabel('The text as it is saved now (read only, to copy from)').inputValue(),
        leadText,
      );
      const diff = page.locator('.app-diff');
      const added = (await diff.locator('ins').allInnerTexts()).join(' ');
      const removed = (await diff.locator('del').allInnerTexts()).join(' ');
      assert.match(added, /Kent Care Record/, `the difference should show the officer's words as added: ${added}`);
      assert.match(removed, /NHS number/, `the difference should show the lead's words as removed: ${removed}`);
      await expectNoAxeViolations(page);

      // Merge: both texts in the box, then save.
      await yours.fill(merged);
      await page.getByRole('button', { name: 'Save my text' }).click();
      await page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/${key}`);
      await expectSuccess(page, 'Your changes have been saved');
      const shown = await currentText(page);
      assert.ok(shown.includes(leadText) && shown.includes(officerText), `the merged text is not shown: ${shown}`);

      // History: both saves, newest first; compare the two versions.
      await page.getByRole('link', { name: /^History of changes/ }).click();
      await page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/${key}/history`);
      await expectHeading(page, 'History of the section text');
      const rows = page.getByRole('table', { name: /Saved versions/ }).locator('tbody').getByRole('row');
      assert.equal(await rows.count(), 2, 'the history should list the two saves');
      assert.match(await rows.nth(0).innerText(), /Thanet CCG officer/);
      assert.match(await rows.nth(1).innerText(), /Kent area lead/);
      await expectNoAxeViolations(page);

      const compare = page.getByRole('group', { name: 'Compare two versions' });
      await compare.getByLabel('From version').selectOption('1');
      await compare.getByLabel('To version').selectOption('2');
      await page.getByRole('button', { name: 'Show the changes' }).click();
      await page.getByRole('heading', { level: 2, name: 'Changes from version 1 to version 2' }).waitFor();
      const changes = page.locator('.app-diff');
      assert.match((await changes.locator('ins').allInnerTexts()).join(' '), /Kent Care Record/);
      assert.equal(await changes.locator('del').count(), 0, 'nothing was removed between the two versions');
      await expectNoAxeViolations(page);

      lead.check();
      officer.check();
    } finally {
      await lead.context.close();
      await officer.context.close();
    }
  });

  test('an empty comment shows errors; search finds the case for change; contributions side by side', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, OFFICER);
      await openKentPlan(page);

      // An empty comment.
      const title = 'National condition: joint assessment and accountable lead professional';
      await openSection(page, title, 'joint-assessment');
      await page.getByRole('button', { name: 'Add comment' }).click();
      const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
      await summary.waitFor();
      assert.deepEqual((await summary.getByRole('link').allInnerTexts()).map((t) => t.trim()), ['Enter your comment']);
      assert.match((await page.locator('#comment-error').innerText()).trim(), /Enter your comment$/);
      assert.match(await page.title(), /^Error: /, 'the page title should start with "Error: "');
      await expectNoAxeViolations(page);
      // The summary's link takes you to the comment box.
      await summary.getByRole('link', { name: 'Enter your comment' }).click();
      await assert.doesNotReject(page.getByLabel('Add a comment').evaluate((el) => {
        if (document.activeElement !== el) throw new Error('the comment box is not focused');
      }));

      // Search from the task list.
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: PLAN }).click();
      await page.waitForURL((u) => u.pathname === PLAN_PATH);
      await page.getByLabel('Search the plan and its comments').fill('deprived');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/areas/kent/search');
      await expectHeading(page, 'Search the plan');
      await page.getByRole('heading', { level: 2, name: /^\d+ results?$/ }).waitFor();
      const hit = page.getByRole('main').getByRole('link', { name: 'Case for change', exact: true });
      assert.ok((await hit.count()) >= 1, 'the search for "deprived" should list the case for change');
      assert.match(await page.locator('main mark').first().innerText(), /deprived/i);
      await expectNoAxeViolations(page);

      // The case for change: each partner's contribution side by side, an edit box for our own.
      await hit.first().click();
      await page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/case-for-change`);
      await expectHeading(page, 'Case for change');
      for (const organisation of ['Kent County Council', 'NHS Ashford CCG', 'NHS Thanet CCG']) {
        await page.getByRole('region', { name: organisation }).waitFor();
      }
      await page
        .getByRole('region', { name: 'NHS Thanet CCG' })
        .locator('.app-section-text')
        .getByText(/most deprived neighbourhoods/)
        .waitFor();
      // Side by side on a wide screen: contributions share rows (a grid, not one long column).
      const boxes = await page.locator('.app-contributions > section').evaluateAll((sections) =>
        sections.map((s) => s.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y })));
      assert.ok(boxes.length >= 3, `expected at least 3 contributions, got ${boxes.length}`);
      const sideBySide = boxes.some((a, i) => boxes.some((b, j) => i !== j && Math.abs(a.y - b.y) < 1 && a.x !== b.x));
      assert.ok(sideBySide, `no two contributions are side by side: ${JSON.stringify(boxes)}`);
      await page.getByLabel("Edit NHS Thanet CCG's contribution").waitFor();
      assert.equal(await page.getByLabel("Edit Kent County Council's contribution").count(), 0, 'only our own contribution is editable');
      await expectNoAxeViolations(page);
      assert.ok(pathOf(page).endsWith('/case-for-change'));
    }, EXPECTED_STATUSES);
  });
});
