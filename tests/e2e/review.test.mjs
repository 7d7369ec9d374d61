// Writing together and reviewing properly (issue 13, items 3 to 7), in a real browser: the lead
// sends a section back with a comment (JavaScript off) and sees what changed since review; the
// Markdown preview, server-rendered and inline; who else is on the page, between two browsers;
// the warning before leaving with unsaved text; the idle sign-out warning with a fast clock,
// staying signed in, and, when nobody answers, signing in again back to the page with the text;
// a comment quoting the words selected, with its time, collapsed when resolved, found by search.
// Accounts: kent.thanet.officer and kent.lead (drafting.test.mjs signs them in too, on other
// sections). Sections no other browser test touches: alignment and plan-details of
// Kent's 2014-16 plan (SECTION and OTHER_SECTION).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expectNoAxeViolations, expectNoSidewaysScroll, freshContext, launchBrowser, signIn, url } from './support.mjs';

const OFFICER = 'kent.thanet.officer@itf.example';
const LEAD = 'kent.lead@itf.example';
const PLAN_PATH = '/areas/kent/plans/2014-16';
const SECTION = 'alignment';
const OTHER_SECTION = 'plan-details';

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
    if (width === 390) await expectNoSidewaysScroll(page);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function openSection(page, key) {
  await page.goto(url(`${PLAN_PATH}/sections/${key}`));
  await page.getByRole('heading', { level: 1 }).waitFor();
}

async function withContext(options, journey) {
  const { context, page, check } = await freshContext(browser, options);
  try {
    await journey(page, context);
    check();
  } finally {
    await context.close();
  }
}

describe('reviewing and writing together', () => {
  test('the lead sends a section back with a comment; the writer changes it; the lead sees what changed, JavaScript off', { timeout: 180_000 }, async () => {
    const noScript = { contextOptions: { javaScriptEnabled: false } };
    await withContext(noScript, async (page) => {
      await signIn(page, OFFICER);
      await openSection(page, SECTION);
      await page.getByLabel('Edit the text').fill('The fund builds on the CCG five-year plans.');
      const question = page.getByRole('group', { name: 'Have you completed this section?' });
      assert.equal(await question.getByRole('radio', { name: /^Yes/ }).isChecked(), false, 'no answer pre-selected');
      await question.getByRole('radio', { name: /^Yes/ }).check();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.waitForURL((u) => u.pathname === PLAN_PATH);
      await page.getByText('Your changes have been saved and the section has been sent to your area lead for review').waitFor();
    });

    await withContext(noScript, async (page) => {
      await signIn(page, LEAD);
      await openSection(page, SECTION);
      await page.getByText(/Sent for review by/).waitFor();
      const question = page.getByRole('group', { name: 'Have you completed this section?' });
      await question.getByRole('radio', { name: 'No, send it back for changes' }).check();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      // No comment: refused by its box.
      await page.getByRole('link', { name: 'Say what needs changing before you send the section back' }).waitFor();
      await axeAtBothWidths(page);
      await page.getByLabel('What needs changing').fill('Name the joint health and wellbeing strategy too.');
      await page.getByRole('group', { name: 'Have you completed this section?' }).getByRole('radio', { name: 'No, send it back for changes' }).check();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.waitForURL((u) => u.pathname === PLAN_PATH);
      await page.getByText('The section has been sent back for changes, with your comment').waitFor();
    });

    await withContext(noScript, async (page) => {
      await signIn(page, OFFICER);
      await openSection(page, SECTION);
      await page.getByText('Name the joint health and wellbeing strategy too.').waitFor();
      await page.getByLabel('Edit the text').fill('The fund builds on the CCG five-year plans and the joint health and wellbeing strategy.');
      await page.getByRole('group', { name: 'Have you completed this section?' }).getByRole('radio', { name: /^Yes/ }).check();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.waitForURL((u) => u.pathname === PLAN_PATH);
      // Changed again after being sent: the lead must see the difference.
      await openSection(page, SECTION);
      await page.getByLabel('Edit the text').fill('The fund builds on the CCG five-year plans and the joint health and wellbeing strategy of 2013.');
      await page.getByRole('button', { name: 'Save the text' }).click();
      await page.getByText('Your changes have been saved').first().waitFor();
      await page.goto(url(`${PLAN_PATH}/sections/${SECTION}/history`));
      await page.getByRole('heading', { name: 'Status changes' }).waitFor();
      await page.getByText('Ready for review → In progress').waitFor();
      await page.getByText(/Sent back: Name the joint health/).waitFor();
      await axeAtBothWidths(page);
    });

    await withContext(noScript, async (page) => {
      await signIn(page, LEAD);
      await openSection(page, SECTION);
      await page.getByText(/Changed since it was sent for review/).waitFor();
      const diff = page.locator('.app-diff');
      assert.match(await diff.innerText(), /2013/);
      await axeAtBothWidths(page);
      await page.getByRole('group', { name: 'Have you completed this section?' }).getByRole('radio', { name: /^Yes, I've reviewed it/ }).check();
      await page.getByRole('button', { name: 'Continue', exact: true }).click();
      await page.waitForURL((u) => u.pathname === PLAN_PATH);
      await page.getByText('Your changes have been saved and the section has been marked as completed').or(page.getByText('The section has been marked as completed')).first().waitFor();
    });
  });

  test('a preview shows the Markdown as it will look: inline with JavaScript, as a page without', { timeout: 120_000 }, async () => {
    for (const javaScriptEnabled of [true, false]) {
      await withContext({ contextOptions: { javaScriptEnabled } }, async (page) => {
        await signIn(page, OFFICER);
        await openSection(page, OTHER_SECTION);
        await page.getByLabel('Edit the text').fill('## Protecting social care\n\n- **£4m** a year kept for social care');
        await page.getByRole('button', { name: 'Preview', exact: true }).click();
        const heading = page.getByRole('heading', { name: 'Preview of your text (not saved yet)' });
        await heading.waitFor();
        const shown = page.locator('#current-text');
        assert.equal(await shown.locator('strong').innerText(), '£4m');
        assert.equal(await shown.getByRole('heading', { name: 'Protecting social care' }).count(), 1);
        assert.match(await page.getByLabel('Edit the text').inputValue(), /## Protecting social care/, 'the box keeps the text');
        if (javaScriptEnabled) {
          assert.equal(new URL(page.url()).pathname, `${PLAN_PATH}/sections/${OTHER_SECTION}`, 'the page did not change');
        }
        await axeAtBothWidths(page);
      });
    }
  });

  test('two people on one section see each other, and the second is warned when the first types', { timeout: 120_000 }, async () => {
    const jo = await freshContext(browser);
    const sam = await freshContext(browser);
    try {
      await signIn(jo.page, OFFICER);
      await openSection(jo.page, OTHER_SECTION);
      await sam.page.clock.install();
      await signIn(sam.page, LEAD);
      await openSection(sam.page, OTHER_SECTION);
      const panel = sam.page.locator('#presence');
      await panel.getByText('Also on this page now').waitFor();
      assert.match(await panel.innerText(), /NHS Thanet CCG/);
      // Jo starts typing: reported at once.
      const reported = jo.page.waitForResponse((r) => r.url().endsWith('/presence') && r.request().method() === 'POST');
      await jo.page.getByLabel('Edit the text').pressSequentially('Adding');
      await reported;
      // Sam's page asks again at its next tick.
      await sam.page.clock.fastForward(21_000);
      await panel.getByText(/is typing on this page/).waitFor();
      await expectNoAxeViolations(sam.page);
      jo.check();
      sam.check();
    } finally {
      await jo.context.close();
      await sam.context.close();
    }
  });

  test('leaving a page with unsaved text asks first', { timeout: 60_000 }, async () => {
    await withContext({}, async (page) => {
      await signIn(page, OFFICER);
      await openSection(page, OTHER_SECTION);
      // Typed with the keyboard: a browser asks only once the person has used the page.
      await page.getByLabel('Add a comment').click();
      await page.getByLabel('Add a comment').pressSequentially('Not sent yet');
      const asked = new Promise((resolve) => {
        page.once('dialog', async (dialog) => {
          resolve(dialog.type());
          await dialog.accept();
        });
      });
      // Leaving by a link in the page: the browser asks first; accepted, it leaves.
      await page.locator('.govuk-breadcrumbs').getByRole('link').first().click();
      assert.equal(await asked, 'beforeunload');
      await page.waitForURL((u) => !u.pathname.includes('/sections/'));
    });
  });

  test('the idle warning: stay signed in, or be signed out and come back to the page with the text', { timeout: 120_000 }, async () => {
    await withContext({}, async (page) => {
      await page.clock.install();
      await signIn(page, OFFICER);
      await openSection(page, OTHER_SECTION);
      const dialog = page.getByRole('dialog', { name: 'You are about to be signed out' });
      await page.clock.fastForward('25:10');
      await dialog.waitFor();
      await expectNoAxeViolations(page);
      const kept = page.waitForResponse((r) => r.url().endsWith('/session/keep-alive'));
      await dialog.getByRole('button', { name: 'Stay signed in' }).click();
      assert.equal((await kept).status(), 204);
      await dialog.waitFor({ state: 'hidden' });

      await page.getByLabel('Add a comment').fill('A comment typed before lunch');
      await page.clock.fastForward('25:10');
      await dialog.waitFor();
      await page.clock.fastForward('04:10');
      await page.waitForURL((u) => u.pathname === '/sign-in');
      await page.getByText('You were signed out because you had not done anything for a while').waitFor();
      await page.getByLabel('Email address').fill(OFFICER);
      await page.getByLabel('Password').fill('better-care-fund-demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/${OTHER_SECTION}`);
      assert.equal(await page.getByLabel('Add a comment').inputValue(), 'A comment typed before lunch');
      await page.locator('#typed-restored').waitFor();
      await expectNoAxeViolations(page);
    });
  });
  test('a comment quotes the words selected, shows its time, collapses when resolved, and search links to it', { timeout: 120_000 }, async () => {
    await withContext({}, async (page) => {
      await signIn(page, OFFICER);
      await openSection(page, OTHER_SECTION);
      const passage = 'Kent County Council and the seven clinical commissioning groups pool £110m in 2015/16.';
      await page.getByLabel('Edit the text').fill(passage);
      await page.getByRole('button', { name: 'Save the text' }).click();
      await page.waitForURL((u) => u.search === '?done=saved');

      // Words selected in the current text fill the quote when the person moves to the comment.
      await page.evaluate(() => {
        const paragraph = document.querySelector('#current-text .app-section-text p');
        const range = document.createRange();
        range.selectNodeContents(paragraph);
        const selection = document.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      });
      await page.waitForTimeout(100);
      await page.getByLabel('Add a comment').click();
      assert.equal((await page.getByLabel('The passage you are commenting on (optional)').inputValue()).trim(), passage);
      await page.getByLabel('Add a comment').fill('Is the pooled figure before or after the Disabled Facilities Grant? Marmalade.');
      await page.getByRole('button', { name: 'Add comment' }).click();
      await page.getByText('Your comment has been added').waitFor();
      const thread = page.locator('article.app-comment-thread').filter({ hasText: 'Marmalade' });
      await thread.locator('blockquote').getByText(passage).waitFor();
      assert.match(await thread.locator('time').first().getAttribute('datetime'), /^\d{4}-\d{2}-\d{2}T/);
      assert.match(await thread.locator('time').first().innerText(), /\d{4}/);
      const id = await page.locator('[id^="comment-"]').filter({ hasText: 'Marmalade' }).last().getAttribute('id');
      await axeAtBothWidths(page);

      // Resolved, it collapses to one line; opened, the comment is there.
      await thread.getByRole('button', { name: /^Resolve/ }).click();
      await page.getByText('The comment thread has been resolved').waitFor();
      const resolved = page.locator('details.app-comment-resolved').filter({ hasText: 'Marmalade' });
      await resolved.getByText(/^Resolved: comment by /).waitFor();
      assert.equal(await resolved.locator('article').isVisible(), false, 'collapsed');
      await resolved.locator('summary').click();
      await resolved.getByText(/Marmalade/).waitFor();
      await axeAtBothWidths(page);

      // Search finds the comment and links to it.
      await page.goto(url('/areas/kent/search?q=marmalade'));
      const hit = page.getByRole('main').locator(`a[href$="#${id}"]`);
      await hit.first().waitFor();
      await hit.first().click();
      await page.waitForURL((u) => u.pathname === `${PLAN_PATH}/sections/${OTHER_SECTION}` && u.hash === `#${id}`);
    });
  });
});
