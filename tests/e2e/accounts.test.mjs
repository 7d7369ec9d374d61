// Account journeys in a real browser with JavaScript on: signing in and out, sign-in errors,
// two-factor set-up and sign-in, the account pages and the administration pages.
// Each test uses its own demo account and a fresh browser context, so they do not depend on order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  enrolTwoFactor,
  expectHeading,
  expectNoAxeViolations,
  expectNoSidewaysScroll,
  expectWithinWidth,
  freshTotpCode,
  inFreshContext,
  launchBrowser,
  signIn,
  signOut,
  url,
  wrongTotpCode,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/**
 * A form submitted with errors is answered 422 by design, and a refused action 403; Chromium logs
 * those navigations as console errors, which are expected.
 */
const EXPECTED_STATUSES = { expectedStatuses: [403, 422] };

function pathOf(page) {
  return new URL(page.url()).pathname;
}


/** The error summary lists exactly `messages`, and each is also shown by its field. */
async function expectErrors(page, messages) {
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await summary.waitFor();
  const links = (await summary.getByRole('link').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(links, messages, 'error summary links');
  for (const message of messages) {
    const inline = page.locator('.govuk-error-message').filter({ hasText: message });
    assert.equal(await inline.count(), 1, `no inline error message "${message}"`);
  }
  assert.match(await page.title(), /^Error: /, 'the page title should start with "Error: "');
}

describe('accounts', () => {
  test('an officer signs in, opens their area and signs out', async () => {
    await inFreshContext(browser, async (page) => {
      await page.goto(url('/sign-in'));
      await expectHeading(page, 'Sign in');
      await expectNoAxeViolations(page);

      await page.getByLabel('Email address').fill('kent.officer@itf.example');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.waitForURL((u) => u.pathname === '/');
      await expectHeading(page, 'Your areas');
      await page.getByText('Signed in as Kent council officer').waitFor();
      const kent = page.getByRole('main').getByRole('link', { name: 'Kent', exact: true });
      await kent.waitFor();
      await expectNoAxeViolations(page);

      await kent.click();
      await page.waitForURL((u) => u.pathname === '/areas/kent');
      await expectHeading(page, 'Kent');
      await page.getByText('Your role here:').waitFor();
      await expectNoAxeViolations(page);

      await signOut(page);
      await expectHeading(page, 'Sign in');
      // Signed out for real: the service navigation is gone and "Your areas" asks to sign in again.
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
      await page.goto(url('/areas/kent'));
      assert.equal(pathOf(page), '/sign-in', `after sign-out /areas/kent went to ${page.url()}`);
    }, EXPECTED_STATUSES);
  });

  test('sign-in errors: empty form, then a wrong password', async () => {
    await inFreshContext(browser, async (page) => {
      await page.goto(url('/sign-in'));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expectErrors(page, ['Enter your email address', 'Enter your password']);
      // govuk-frontend (JavaScript on) moves focus to the error summary.
      await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-error-summary'));
      await expectNoAxeViolations(page);

      // The summary's links take you to the fields.
      await page.getByRole('alert').getByRole('link', { name: 'Enter your password' }).click();
      await assert.doesNotReject(page.getByLabel('Password').evaluate((el) => {
        if (document.activeElement !== el) throw new Error('the password field is not focused');
      }));

      const email = 'rotherham.council.officer@itf.example';
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      await page
        .getByRole('alert')
        .getByText('Enter a correct email address and password.', { exact: false })
        .waitFor();
      assert.equal(await page.getByLabel('Email address').inputValue(), email, 'the email was not kept');
      assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password should not be echoed back');
      assert.equal(pathOf(page), '/sign-in');
      await expectNoAxeViolations(page);
    }, EXPECTED_STATUSES);
  });

  test('a board secretary sets up two-factor, then signs in with a code', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, 'kent.secretary@itf.example');
      const { secret, step } = await enrolTwoFactor(page);

      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await expectHeading(page, 'Your areas');
      await page.getByRole('main').getByRole('link', { name: 'Kent', exact: true }).waitFor();
      await signOut(page);

      await signIn(page, 'kent.secretary@itf.example');
      await page.waitForURL((u) => u.pathname === '/sign-in/two-factor');
      await expectHeading(page, 'Enter your security code');
      await expectNoAxeViolations(page);

      await page.getByLabel('Enter your security code').fill(wrongTotpCode(secret));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.equal(pathOf(page), '/sign-in/two-factor');
      assert.match(await page.title(), /^Error: /);
      await expectNoAxeViolations(page);

      // The enrolment code's step cannot be used again: wait for a later step if need be.
      const fresh = await freshTotpCode(secret, step);
      assert.ok(fresh.step > step);
      await page.getByLabel('Enter your security code').fill(fresh.code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await expectHeading(page, 'Your areas');
      await page.getByText('Signed in as Kent board secretary').waitFor();

      await signOut(page);
    }, EXPECTED_STATUSES);
  });

  test('an officer opens their account and gets the change-password errors', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, 'kent.ccg.officer@itf.example');
      await expectHeading(page, 'Your areas');

      await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: /^Your account/ }).click();
      await page.waitForURL((u) => u.pathname === '/account');
      await expectHeading(page, 'Your account');
      await page.getByText('kent.ccg.officer@itf.example').waitFor();
      await expectNoAxeViolations(page);

      await page.getByRole('link', { name: 'Change password' }).click();
      await page.waitForURL((u) => u.pathname === '/account/password');
      await expectHeading(page, 'Change your password');
      await expectNoAxeViolations(page);

      await page.getByLabel('Current password').fill(DEMO_PASSWORD);
      await page.getByLabel('New password', { exact: true }).fill('three random words together');
      await page.getByLabel('Confirm new password').fill('three random words apart');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.equal(pathOf(page), '/account/password');
      assert.match(await page.title(), /^Error: /);
      const confirmError = page.locator('#confirm_password-error');
      assert.equal(await confirmError.count(), 1, 'no error message by "Confirm new password"');
      await expectNoAxeViolations(page);

      // The password was not changed: signing in again with the old one still works.
      await signOut(page);
      await signIn(page, 'kent.ccg.officer@itf.example');
      await expectHeading(page, 'Your areas');
    }, EXPECTED_STATUSES);
  });

  test('an administrator sets up two-factor, visits each admin page and adds a user', async () => {
    await inFreshContext(browser, async (page) => {
      await signIn(page, 'admin@itf.example');
      await enrolTwoFactor(page);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.pathname === '/');

      const nav = page.getByRole('navigation', { name: 'Menu' });
      await nav.getByRole('link', { name: 'Administration' }).click();
      await page.waitForURL((u) => u.pathname === '/admin');
      await expectHeading(page, 'Administration');
      await expectNoAxeViolations(page);

      for (const [link, path] of [
        ['Organisations', '/admin/organisations'],
        ['Areas', '/admin/areas'],
        ['Users', '/admin/users'],
        ['Audit log', '/admin/audit'],
      ]) {
        await page.getByRole('main').getByRole('link', { name: link, exact: true }).click();
        await page.waitForURL((u) => u.pathname === path);
        await expectHeading(page, link);
        await page.getByRole('table').first().waitFor();
        await expectNoAxeViolations(page);
        await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Administration' }).click();
        await page.waitForURL((u) => u.pathname === '/admin');
      }

      // A user's page.
      await page.getByRole('main').getByRole('link', { name: 'Users', exact: true }).click();
      await page
        .getByRole('row')
        .filter({ hasText: 'kent.officer@itf.example' })
        .getByRole('link', { name: 'Kent council officer' })
        .click();
      await page.waitForURL((u) => /^\/admin\/users\/\d+$/.test(u.pathname));
      await expectHeading(page, 'Kent council officer');
      await expectNoAxeViolations(page);

      // The new-organisation form, submitted empty.
      await page.goto(url('/admin'));
      await page.getByRole('main').getByRole('link', { name: 'Organisations', exact: true }).click();
      await page.getByRole('button', { name: 'Add an organisation' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/organisations/new');
      await expectHeading(page, 'Add an organisation');
      await expectNoAxeViolations(page);
      await page.getByRole('button', { name: 'Add organisation' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.match(await page.title(), /^Error: /);
      assert.ok(
        (await page.locator('.govuk-error-message').count()) >= 2,
        'expected errors by the name and kind fields',
      );
      await expectNoAxeViolations(page);

      // Add a user through the form.
      await page.getByRole('link', { name: 'Back to organisations' }).click();
      await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Administration' }).click();
      await page.getByRole('main').getByRole('link', { name: 'Users', exact: true }).click();
      await page.getByRole('button', { name: 'Add a user' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/users/new');
      await expectHeading(page, 'Add a user');
      await expectNoAxeViolations(page);

      const email = `e2e.${Date.now()}.${Math.floor(Math.random() * 1e6)}@itf.example`;
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Full name').fill('Browser Test Officer');
      await page.getByLabel('Organisation').selectOption({ label: 'Kent County Council' });
      await page.getByRole('button', { name: 'Add user' }).click();

      await expectHeading(page, 'Account created');
      await page.getByText('One-time password for Browser Test Officer').waitFor();
      const oneTimePassword = (await page.locator('#one-time-password').innerText()).trim();
      assert.ok(oneTimePassword.length >= 12, `one-time password too short: "${oneTimePassword}"`);
      await page.getByText(email, { exact: false }).first().waitFor();
      await expectNoAxeViolations(page);

      // A role in an area their organisation is not a partner in: a warning, and refused until
      // the administrator ticks that they understand. Then removing it, after a page that says
      // what they lose, first cancelled, then confirmed. Without JavaScript it is all plain
      // forms and links; axe at desktop and phone widths on each new page.
      await page.goto(url(`/admin/users?q=${encodeURIComponent(email)}`));
      await page.getByRole('link', { name: 'Browser Test Officer' }).click();
      await page.waitForURL((u) => /^\/admin\/users\/\d+$/.test(u.pathname));
      const userPath = new URL(page.url()).pathname;
      await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Officer' });
      await page.getByLabel('Area', { exact: true }).selectOption({ label: 'Rotherham' });
      await page.getByRole('button', { name: 'Add role' }).click();
      await expectErrors(page, [
        'Confirm that you mean to give this role to someone whose organisation is not a partner in Rotherham',
      ]);
      await page.locator('.govuk-warning-text').filter({ hasText: 'Kent County Council is not a partner in Rotherham' }).waitFor();
      assert.equal(await page.getByLabel('Area', { exact: true }).locator('option:checked').innerText(), 'Rotherham');
      await expectNoAxeViolations(page);
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      await expectNoAxeViolations(page);
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByLabel(/I understand Kent County Council is not a partner in Rotherham/).check();
      await page.getByRole('button', { name: 'Add role' }).click();
      await page.waitForURL((u) => u.pathname === userPath);
      await page.getByRole('alert').filter({ hasText: 'Role added' }).waitFor();

      await page.getByRole('link', { name: 'Remove Officer in Rotherham' }).click();
      await page.waitForURL((u) => /\/grants\/\d+\/remove$/.test(u.pathname));
      await expectHeading(page, "Are you sure you want to remove Browser Test Officer's role as officer in Rotherham?");
      await page.locator('#consequences').getByText('It is their only role in Rotherham').waitFor();
      await expectNoAxeViolations(page);
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      await expectNoAxeViolations(page);
      await page.setViewportSize({ width: 1280, height: 720 });
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL((u) => u.pathname === userPath);
      await page.getByRole('link', { name: 'Remove Officer in Rotherham' }).waitFor();
      await page.getByRole('link', { name: 'Remove Officer in Rotherham' }).click();
      await page.getByRole('button', { name: 'Remove the role' }).click();
      await page.waitForURL((u) => u.pathname === userPath);
      await page.getByRole('alert').filter({ hasText: 'Role removed' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Remove Officer in Rotherham' }).count(), 0);

      // The audit log, filtered to this account: the removal, by name, readable.
      await page.getByRole('link', { name: /^Changes to Browser Test Officer/ }).click();
      await page.waitForURL((u) => u.pathname === '/admin/audit' && u.searchParams.get('kind') === 'user');
      const removal = page.getByRole('row').filter({ hasText: 'Grant removed' });
      await removal.getByRole('link', { name: 'Browser Test Officer' }).first().waitFor();
      await removal.getByText('Role: officer').waitFor();
      assert.match(await removal.locator('time').innerText(), / (GMT|BST)$/);
      await expectNoAxeViolations(page);

      // Disabling the account: a page says what happens first; cancelled, then confirmed.
      const atBothWidths = async () => {
        await expectNoAxeViolations(page);
        await page.setViewportSize({ width: 390, height: 844 });
        await expectNoSidewaysScroll(page);
        await expectNoAxeViolations(page);
        await page.setViewportSize({ width: 1280, height: 720 });
      };
      await page.goto(url(userPath));
      await page.getByRole('button', { name: 'Disable account' }).click();
      await page.waitForURL((u) => u.pathname === `${userPath}/disable`);
      await expectHeading(page, "Are you sure you want to disable Browser Test Officer's account?");
      await page.locator('#consequences').getByText(/is signed out at once, in every browser/).waitFor();
      await atBothWidths();
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL((u) => u.pathname === userPath);
      await page.getByText('Active', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Disable account' }).click();
      await page.getByRole('button', { name: 'Disable the account' }).click();
      await page.waitForURL((u) => u.pathname === userPath);
      await page.getByRole('alert').filter({ hasText: 'Account disabled: they have been signed out everywhere' }).waitFor();
      await page.getByText('This account is disabled: they cannot sign in.').waitFor();
      // Enabled again: the account signs in for the first time further on.
      await page.getByRole('button', { name: 'Enable account' }).click();
      await page.getByRole('alert').filter({ hasText: 'Account enabled: they can sign in again' }).waitFor();

      // Removing a partner from an area: the page says what happens to its contributions and
      // people before anything is done. Cancelled here (the demo's partners are every other
      // test's); the removal itself is tested over HTTP (tests/api/admin.rs).
      await page.goto(url('/admin/areas/kent'));
      await page.getByRole('link', { name: 'Remove NHS Thanet CCG from Kent' }).click();
      await page.waitForURL((u) => /\/admin\/areas\/kent\/members\/\d+\/remove$/.test(u.pathname));
      await expectHeading(page, 'Are you sure you want to remove NHS Thanet CCG from Kent?');
      await page.locator('#contributions').getByText(/written contributions? to Kent/).waitFor();
      await page.locator('#consequences').getByText(/are kept, with their history, and are not deleted/).waitFor();
      await atBothWidths();
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/areas/kent');
      await page.getByRole('link', { name: 'Remove NHS Thanet CCG from Kent' }).waitFor();

      // The mail outbox, after a password-reset link is asked for the administrator's own
      // address (signed out, in another context): the message is listed, its link not shown.
      await inFreshContext(browser, async (other) => {
        await other.goto(url('/sign-in/forgot'));
        await other.getByLabel('Email address').fill('admin@itf.example');
        await other.getByRole('button', { name: 'Send the link' }).click();
        await expectHeading(other, 'Check your email');
      });
      await page.goto(url('/admin'));
      await page.getByRole('main').getByRole('link', { name: 'Mail outbox', exact: true }).click();
      await page.waitForURL((u) => u.pathname === '/admin/outbox');
      await expectHeading(page, 'Mail outbox');
      await page.getByRole('link', { name: /^All \(\d+\)$/ }).click();
      await page.waitForURL((u) => u.searchParams.get('show') === 'all');
      const resetMail = page.getByRole('row').filter({ hasText: 'admin@itf.example' }).getByRole('link', { name: 'Reset your ITF planner password' }).first();
      await resetMail.waitFor();
      await expectNoAxeViolations(page);
      await page.setViewportSize({ width: 390, height: 844 });
      await expectNoSidewaysScroll(page);
      await expectNoAxeViolations(page);
      await page.setViewportSize({ width: 1280, height: 720 });
      await resetMail.click();
      await expectHeading(page, 'Reset your ITF planner password');
      await page.getByText('it is not shown here').waitFor();
      assert.equal(await page.locator('.app-mail-body').count(), 0, "a reset link is never shown to an administrator");
      await expectNoAxeViolations(page);

      // The remaining administration pages: an area with its members, a new area, the plan
      // templates and a template's structure, an organisation's edit form.
      for (const [path, heading] of [
        ['/admin/areas/kent', 'Kent'],
        ['/admin/areas/new', 'Add an area'],
        ['/admin/templates', 'Plan templates'],
        ['/admin/templates/2014-16', 'ITF/BCF plan 2014/15–2015/16'],
        ['/admin/templates/2014-16/sections/vision', 'Change a section'],
      ]) {
        await page.goto(url(path));
        await expectHeading(page, heading);
        await expectNoAxeViolations(page);
      }
      // The 2025-26 template's structure: a funding stream's other names, first with another
      // stream's name (refused by the field, what was typed kept), then fixed.
      await page.goto(url('/admin/templates/2025-26'));
      await page.getByRole('link', { name: 'See and change the structure' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/templates/2025-26/structure');
      await expectHeading(page, 'Years, funding, metrics and conditions');
      await expectNoAxeViolations(page);
      await page.locator('#stream-la-better-care-grant').getByRole('link', { name: /^Change/ }).click();
      await expectHeading(page, 'Change a funding stream');
      await expectNoAxeViolations(page);
      const aliases = page.getByLabel('Other names (optional)');
      await aliases.fill('iBCF\nDFG');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.match(await page.locator('#aliases-error').innerText(), /"DFG" is used by another stream/);
      assert.equal(await aliases.inputValue(), 'iBCF\nDFG');
      await expectNoAxeViolations(page);
      await aliases.fill('iBCF\nLA BCF grant');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.waitForURL((u) => u.pathname === '/admin/templates/2025-26/structure');
      await page.getByRole('alert').filter({ hasText: 'Success' }).waitFor();
      assert.match(await page.locator('#stream-la-better-care-grant').innerText(), /LA BCF grant/);
      await page.getByRole('link', { name: 'Change Emergency admissions (65+)' }).click();
      await expectHeading(page, 'Change a metric');
      await expectNoAxeViolations(page);
      // A key date that does not exist is refused by its field, what was typed kept.
      await page.goto(url('/admin/templates/2025-26/structure'));
      await page.getByRole('link', { name: 'Add a key date' }).click();
      await page.locator('#title').fill('Quarter 3 return due');
      await page.locator('#date').fill('31/2/2026');
      await page.locator('main form button[type="submit"]').first().click();
      await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
      assert.equal(await page.locator('#date').inputValue(), '31/2/2026');
      assert.equal(await page.locator('#title').inputValue(), 'Quarter 3 return due');
      await expectNoAxeViolations(page);

      await page.goto(url('/admin/organisations'));
      await page.getByRole('link', { name: 'Kent County Council', exact: true }).first().click();
      await page.waitForURL((u) => /^\/admin\/organisations\/\d+$/.test(u.pathname));
      await expectNoAxeViolations(page);

      // On a phone, the administration's tables stack their rows: the page never scrolls
      // sideways, and each row's actions stay within the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [path, actions] of [
        ['/admin/users', '#users a'],
        ['/admin/audit', null],
        ['/admin/areas/kent', '#members a'],
        ['/admin/templates/2014-16', '#template-sections button, #template-sections a'],
        ['/admin/templates/2025-26/structure', '#funding-streams a, #key-dates a'],
        ['/account', '#trusted-browsers button'],
      ]) {
        await page.goto(url(path));
        await page.getByRole('heading', { level: 1 }).waitFor();
        await expectNoSidewaysScroll(page);
        if (actions) await expectWithinWidth(page, page.locator(actions));
        await expectNoAxeViolations(page);
      }
      await page.setViewportSize({ width: 1280, height: 720 });

      // Two-factor is on now: the account's two-factor page offers new recovery codes.
      await page.goto(url('/account/two-factor'));
      await expectNoAxeViolations(page);
      await page.getByLabel('Your password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: /new recovery codes/i }).click();
      await expectHeading(page, 'Your recovery codes');
      await expectNoAxeViolations(page);

      await signOut(page);

      // The new user signs in with the one-time password and must choose their own first.
      await signIn(page, email, oneTimePassword);
      await page.goto(url('/'));
      await page.waitForURL((u) => u.pathname === '/account/password');
      await expectNoAxeViolations(page);
    }, EXPECTED_STATUSES);
  });

  test('a signatory sees this browser trusted, stops trusting it, and needs the password for new recovery codes', async () => {
    await inFreshContext(browser, async (page) => {
      const email = 'rotherham.signatory@itf.example';
      await signIn(page, email);
      const { secret, step } = await enrolTwoFactor(page, { checkAccessibility: false });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await signOut(page);

      // A full sign-in with the second factor trusts this browser for 30 days.
      await signIn(page, email);
      await page.waitForURL((u) => u.pathname === '/sign-in/two-factor');
      const fresh = await freshTotpCode(secret, step);
      await page.getByLabel('Enter your security code').fill(fresh.code);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.pathname === '/');

      await page.goto(url('/account'));
      const trusted = page.getByRole('table', { name: 'Trusted browsers' });
      await trusted.getByText('This browser').waitFor();
      await expectNoAxeViolations(page);
      await trusted.getByRole('button', { name: /^Stop trusting/ }).click();
      await page.waitForURL((u) => u.pathname === '/account');
      await page.getByText('No browser is trusted at the moment.').waitFor();
      await expectNoAxeViolations(page);

      // New recovery codes: refused without the password, given with it.
      await page.goto(url('/account/two-factor'));
      await page.getByRole('button', { name: /new recovery codes/i }).click();
      await expectErrors(page, ['Enter your password to get new recovery codes']);
      await expectNoAxeViolations(page);
      await page.getByLabel('Your password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: /new recovery codes/i }).click();
      await expectHeading(page, 'Your recovery codes');

      await signOut(page);
    }, EXPECTED_STATUSES);
  });

  test('a form sent after the session ended explains itself and shows what was typed', async () => {
    await inFreshContext(browser, async (page) => {
      await page.goto(url('/sign-in'));
      await page.getByLabel('Email address').fill('someone@itf.example');
      await page.context().clearCookies();
      await page.getByLabel('Password').fill('not a real password');
      const refused = page.waitForResponse((response) => response.status() === 403);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await refused;
      await expectHeading(page, 'Your session has ended');
      assert.equal(await page.getByLabel('email').inputValue(), 'someone@itf.example');
      await expectNoAxeViolations(page);
    }, EXPECTED_STATUSES);
  });
});
