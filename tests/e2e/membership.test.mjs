// An area's people, invitations and forgotten passwords in a real browser, with the mail really
// sent: run.sh points the app at an SMTP server on loopback (mail-sink.mjs) and the test reads the
// links from the messages, as the person would from their inbox.
//
// Kent's lead opens the people page (an empty form is refused by each field), invites a new officer;
// the officer follows the mailed link, chooses a name and password and signs in; later they forget
// the password, ask for a link from the sign-in page, choose a new one through the mailed link (which
// then no longer works) and sign in with it; the lead removes the officer's role after the
// confirmation page. axe on every page, at desktop and phone widths where the page is new.
// Accounts: kent.lead@itf.example (no other test changes Kent's people) and a new account per run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  expectHeading,
  expectNoSidewaysScroll,
  expectNoAxeViolations,
  inFreshContext,
  launchBrowser,
  linkIn,
  signIn,
  signOut,
  url,
  waitForMail,
} from './support.mjs';

const LEAD = 'kent.lead@itf.example';
const PEOPLE = '/areas/kent/people';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** axe at desktop and phone widths, and no sideways scroll of the page on the phone. */
async function accessibleAtBothWidths(page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectNoAxeViolations(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await expectNoSidewaysScroll(page);
  await expectNoAxeViolations(page);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('people, invitations and forgotten passwords', () => {
  test('a lead invites an officer by email, who joins, resets a forgotten password, and is removed', async () => {
    const stamp = `${Date.now()}${Math.floor(Math.random() * 1e4)}`;
    const email = `invited.${stamp}@kent.example`;
    const name = `Invited Officer ${stamp}`;
    const firstPassword = `first-password-${stamp}`;
    const secondPassword = `second-password-${stamp}`;

    // The lead invites.
    await inFreshContext(browser, async (page) => {
      await signIn(page, LEAD);
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(url(PEOPLE));
      await expectHeading(page, 'People');
      await page.getByRole('table').first().waitFor();
      await accessibleAtBothWidths(page);

      await page.getByRole('button', { name: 'Send the invitation' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.match(await page.title(), /^Error: /);
      for (const field of ['email', 'name', 'organisation', 'role']) {
        assert.equal(await page.locator(`#${field}-error`).count(), 1, `an error by the ${field} field`);
      }
      await expectNoAxeViolations(page);

      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Name', { exact: true }).fill(name);
      await page.getByLabel('Organisation').selectOption({ label: 'Kent County Council' });
      await page.getByLabel('Officer', { exact: true }).check();
      await page.getByRole('button', { name: 'Send the invitation' }).click();
      await page.waitForURL((u) => u.pathname === PEOPLE);
      await page.locator('.govuk-notification-banner--success').waitFor();
      const waiting = page.getByRole('table', { name: 'Invitations waiting to be accepted' });
      await waiting.getByText(email, { exact: true }).waitFor();
      await expectNoAxeViolations(page);
    });

    // The officer follows the mailed link and makes the account.
    const invitation = await waitForMail(email, /^You are invited to plan Kent in the ITF planner$/);
    const invitationLink = linkIn(invitation.body, '/invitations/');
    await inFreshContext(browser, async (page) => {
      await page.goto(url(invitationLink));
      await expectHeading(page, 'Accept your invitation');
      await page.getByText('as officer for Kent County Council').waitFor();
      await accessibleAtBothWidths(page);
      await page.getByLabel('Your name').fill(name);
      await page.getByLabel('New password', { exact: true }).fill(firstPassword);
      await page.getByLabel('Confirm new password').fill(firstPassword);
      await page.getByRole('button', { name: 'Create your account' }).click();
      await page.waitForURL((u) => u.pathname === '/sign-in');
      await signIn(page, email, firstPassword);
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('main').getByRole('link', { name: 'Kent', exact: true }).first().waitFor();
      await signOut(page);
    });

    // The link worked once.
    await inFreshContext(
      browser,
      async (page) => {
        const response = await page.goto(url(invitationLink));
        assert.equal(response.status(), 410, 'a used invitation link is gone');
        await expectNoAxeViolations(page);
      },
      { expectedStatuses: [410] },
    );

    // Later, the password forgotten: a link from the sign-in page, by email.
    await inFreshContext(
      browser,
      async (page) => {
        await page.goto(url('/sign-in'));
        await page.getByRole('link', { name: 'Forgotten your password?' }).click();
        await page.waitForURL((u) => u.pathname === '/sign-in/forgot');
        await expectHeading(page, 'Reset your password');
        await accessibleAtBothWidths(page);
        await page.getByLabel('Email address').fill(email);
        await page.getByRole('button', { name: 'Send the link' }).click();
        await expectHeading(page, 'Check your email');
        await expectNoAxeViolations(page);

        const reset = await waitForMail(email, /^Reset your ITF planner password$/);
        const resetLink = linkIn(reset.body, '/password-reset/');
        await page.goto(url(resetLink));
        await expectHeading(page, 'Choose a new password');
        await accessibleAtBothWidths(page);
        await page.getByLabel('New password', { exact: true }).fill(secondPassword);
        await page.getByLabel('Confirm new password').fill(secondPassword);
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.waitForURL((u) => u.pathname === '/sign-in' && u.searchParams.get('done') === 'password-reset');
        await expectNoAxeViolations(page);

        await signIn(page, email, firstPassword);
        await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
        await signIn(page, email, secondPassword);
        await page.waitForURL((u) => u.pathname === '/');
        await signOut(page);

        const again = await page.goto(url(resetLink));
        assert.equal(again.status(), 410, 'a used reset link is gone');
        await expectNoAxeViolations(page);
      },
      { expectedStatuses: [410, 422] },
    );

    // The lead removes the officer's role, after the confirmation page.
    await inFreshContext(browser, async (page) => {
      await signIn(page, LEAD);
      await page.waitForURL((u) => u.pathname === '/');
      await page.goto(url(PEOPLE));
      const people = page.getByRole('table', { name: 'People with a role in Kent' });
      await people.getByRole('row').filter({ hasText: email }).getByRole('link', { name: `Remove Officer from ${name}` }).click();
      await expectHeading(page, `Remove ${name}'s role as officer?`);
      await accessibleAtBothWidths(page);
      await page.getByRole('button', { name: 'Remove the role' }).click();
      await page.waitForURL((u) => u.pathname === PEOPLE);
      await page.locator('.govuk-notification-banner--success').waitFor();
      assert.equal(await people.getByText(email, { exact: true }).count(), 0, 'the officer no longer has a role in Kent');
      await expectNoAxeViolations(page);
    });
  });
});
