// itf-planner: progressive enhancement only; every journey works without it.
// Loaded as <script type="module" src="/static/app.js"> (same origin, no inline
// script, so the CSP can stay `script-src 'self'`). Module scripts only run in
// browsers that GOV.UK Frontend supports, which is what the inline snippet in
// GOV.UK's page template checks with 'noModule' in HTMLScriptElement.prototype.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Drafts kept on the server (issue 13): the section's edit form names where its draft goes
// (data-draft-url), and so does a partner's contribution box (on the box itself, with the id of
// the field holding its version in data-draft-version). Every few seconds, if the text has
// changed since it was last kept, it is posted there (with the CSRF token and the version the
// text was typed on); the server offers it back on the section page from any browser. Without
// this script a refused save still keeps the text as a draft, server-side.
const DRAFT_EVERY_MS = 5000;

function keepDrafts(box, draftUrl, versionField) {
  const form = box.form;
  if (!form) return;
  let kept = box.value;
  let sending = false;
  let submitted = false;
  const fields = () =>
    new URLSearchParams({
      csrf_token: form.elements.namedItem('csrf_token')?.value ?? csrfToken(),
      version: versionField?.value ?? '',
      text: box.value,
    });
  const keep = async () => {
    if (submitted || sending || box.value === kept) return;
    const text = box.value;
    sending = true;
    try {
      const response = await fetch(draftUrl, {
        method: 'POST',
        body: fields(),
        credentials: 'same-origin',
        redirect: 'manual',
      });
      if (response.status === 204) {
        kept = text;
        noteServerContact();
      }
    } catch {
      // Offline or the server restarting: the next tick tries again.
    } finally {
      sending = false;
    }
  };
  window.setInterval(keep, DRAFT_EVERY_MS);
  // Saving (any button of the form) makes the draft unnecessary: stop keeping it.
  form.addEventListener('submit', () => {
    submitted = true;
  });
  // Back to the page from the browser's cache after a save was sent, or staying on it when
  // the browser asked before leaving: keep drafts again.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) submitted = false;
  });
  window.addEventListener('itf:stayed', () => {
    submitted = false;
  });
  // Leaving the page between two ticks: keep the last words too.
  window.addEventListener('pagehide', () => {
    if (!submitted && box.value !== kept) {
      navigator.sendBeacon(draftUrl, fields());
      kept = box.value;
    }
  });
}

for (const form of document.querySelectorAll('form[data-draft-url]')) {
  const box = form.querySelector('textarea[name="text"]');
  if (box) keepDrafts(box, form.dataset.draftUrl, form.elements.namedItem('version'));
}
for (const box of document.querySelectorAll('textarea[data-draft-url]')) {
  keepDrafts(box, box.dataset.draftUrl, document.getElementById(box.dataset.draftVersion));
}

// Preview (issue 13): the edit form's "Preview" button posts the text to the server, which
// renders it as it will look. Enhanced, the rendered text replaces the current text on the page
// without leaving it; without this script (or if the request fails) the button posts the form
// and the server answers with the whole page, the preview in the same place.
function enhancePreview(button) {
  const form = button.form;
  const place = document.getElementById('current-text');
  if (!form || !place) return;
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    try {
      const response = await fetch(button.dataset.previewUrl, {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        credentials: 'same-origin',
        redirect: 'manual',
      });
      if (response.status !== 200) throw new Error(`preview answered ${response.status}`);
      const html = await response.text();
      noteServerContact();
      const heading = document.createElement('h2');
      heading.className = 'govuk-heading-m';
      heading.id = 'current-text-heading';
      heading.tabIndex = -1;
      heading.textContent = place.dataset.previewHeading;
      const note = document.createElement('p');
      note.className = 'govuk-inset-text';
      note.id = 'preview-note';
      note.textContent = 'This is how your text will look. It has not been saved: save it below.';
      const text = document.createElement('div');
      text.className = 'app-section-text app-section-text--preview';
      // Rendered by the server from Markdown, with everything typed escaped.
      text.innerHTML = html;
      place.replaceChildren(heading, note, text);
      heading.focus();
    } catch {
      form.requestSubmit(button);
    }
  });
}

for (const button of document.querySelectorAll('button[data-preview-url]')) enhancePreview(button);

// Quoting in a comment (issue 13): text selected in the section's current text is offered as
// the new comment's quote when the person moves to the comment box, if they quoted nothing.
{
  const place = document.getElementById('current-text');
  const comment = document.getElementById('comment');
  const quote = document.getElementById('quote');
  let selected = '';
  if (place && comment && quote) {
    document.addEventListener('selectionchange', () => {
      const selection = document.getSelection();
      if (selection && !selection.isCollapsed && place.contains(selection.anchorNode)) {
        selected = selection.toString().trim().slice(0, 2000);
      }
    });
    comment.addEventListener('focus', () => {
      if (selected && quote.value.trim() === '') quote.value = selected;
    });
  }
}

// Who else is here (issue 13): the section page's presence panel is asked for again every few
// seconds (data-poll-seconds), saying whether this person typed since; the server answers with
// the panel. Without this script the panel is as of the page's load.
{
  const panel = document.getElementById('presence');
  if (panel?.dataset.presenceUrl) {
    let typed = false;
    document.querySelector('main')?.addEventListener('input', (event) => {
      if (event.target instanceof HTMLTextAreaElement) typed = true;
    });
    const report = async () => {
      if (document.hidden || signingOut) return;
      const editing = typed;
      typed = false;
      try {
        const sent = fetch(panel.dataset.presenceUrl, {
          method: 'POST',
          body: new URLSearchParams({ csrf_token: csrfToken(), editing: editing ? '1' : '0' }),
          credentials: 'same-origin',
          redirect: 'manual',
        });
        // The idle sign-out waits for a report in flight, so that it is not refused halfway.
        presenceInFlight = sent.catch(() => {});
        const response = await sent;
        if (response.status !== 200) return;
        const html = await response.text();
        // Replaced only when who is here changes (not just the time), so that screen readers
        // hear only news.
        const fresh = document.createElement('template');
        fresh.innerHTML = html;
        const who = (root) => {
          const copy = root.cloneNode(true);
          copy.querySelectorAll('.app-presence__as-of').forEach((time) => time.remove());
          return copy.textContent.replace(/\s+/g, ' ').trim();
        };
        if (who(fresh.content) !== who(panel)) panel.replaceChildren(fresh.content);
      } catch {
        // Offline: the next report tries again.
      }
    };
    window.setInterval(report, (Number(panel.dataset.pollSeconds) || 20) * 1000);
    // The first keystroke is reported at once, so the others are warned before they start too.
    document.querySelector('main')?.addEventListener(
      'input',
      () => {
        typed = true;
        report();
      },
      { once: true },
    );
  }
}

// A warning before leaving a page with unsaved edits (issue 13): any text box or text field of
// a form that posts, changed and not sent, including when another form on the page is sent
// (a comment posted while the section's text holds unsaved words). The browser shows its own
// question.
const typedFields = () =>
  [...document.querySelectorAll('main textarea:not([readonly]), main input[type="text"], main input:not([type])')].filter(
    (field) => field.form && field.form.method === 'post' && field.value !== field.defaultValue,
  );
let sendingForm = null;
document.addEventListener('submit', (event) => {
  sendingForm = event.target;
});
window.addEventListener('pageshow', (event) => {
  if (event.persisted) sendingForm = null;
});
window.addEventListener('beforeunload', (event) => {
  if (signingOut) return;
  const unsent = typedFields().filter((field) => field.form !== sendingForm);
  sendingForm = null;
  if (unsent.length === 0) return;
  event.preventDefault();
  event.returnValue = '';
  // Timers wait while the browser asks; this one runs only if the person stays on the page.
  window.setTimeout(() => window.dispatchEvent(new Event('itf:stayed')), 0);
});

// "Have you completed this section?": Enter on an answer sends it with "Continue". (The
// section's form holds save buttons too, and a browser's Enter would press its first button.)
for (const radio of document.querySelectorAll('input[type="radio"][name="completed"]')) {
  radio.addEventListener('keydown', (event) => {
    const answer = document.querySelector('button[data-answer-button]');
    if (event.key !== 'Enter' || !radio.form || !answer) return;
    event.preventDefault();
    radio.checked = true;
    radio.form.requestSubmit(answer);
  });
}

// The idle sign-out (issue 13). The server ends a session after IDLE seconds without a request
// (data-idle-seconds on <body>, signed-in pages only). Five minutes before, a dialog warns and
// offers to stay signed in (a request that starts the idle time again). If nobody answers, this
// page keeps what was typed in its forms for this tab, signs out, and goes to the sign-in page,
// which comes back here afterwards; the text is then put back. The last request is shared
// between tabs (localStorage), so activity in one tab keeps the others from signing out.
const WARN_BEFORE_MS = 5 * 60 * 1000;
// Signed out a minute early: the server counts idle time from its last note of a request,
// which it writes at most once a minute.
const SIGN_OUT_BEFORE_MS = 60 * 1000;
const LAST_CONTACT_KEY = 'itf-last-contact';
const TYPED_KEY = 'itf-typed:';
let signingOut = false;
// The presence report being sent, if any (see the presence panel above).
let presenceInFlight = Promise.resolve();

function noteServerContact() {
  try {
    localStorage.setItem(LAST_CONTACT_KEY, String(Date.now()));
  } catch {
    // Storage refused (private mode): this tab counts on its own.
  }
  lastContact = Date.now();
}
let lastContact = Date.now();
const sharedLastContact = () => {
  try {
    return Math.max(lastContact, Number(localStorage.getItem(LAST_CONTACT_KEY)) || 0);
  } catch {
    return lastContact;
  }
};

function csrfToken() {
  return document.querySelector('input[name="csrf_token"]')?.value ?? '';
}

function keepTyped() {
  const typed = {};
  for (const field of typedFields()) {
    if (field.id) typed[field.id] = field.value;
  }
  if (Object.keys(typed).length === 0) return;
  try {
    sessionStorage.setItem(TYPED_KEY + location.pathname, JSON.stringify(typed));
  } catch {
    // Too big or refused: the section's text is kept on the server as a draft all the same.
  }
}

function putBackTyped() {
  const key = TYPED_KEY + location.pathname;
  let typed;
  try {
    typed = JSON.parse(sessionStorage.getItem(key) ?? 'null');
    sessionStorage.removeItem(key);
  } catch {
    return;
  }
  if (!typed || document.body.dataset.idleSeconds === undefined) return;
  const restored = [];
  for (const [id, value] of Object.entries(typed)) {
    const field = document.getElementById(id);
    if (field && (field.tagName === 'TEXTAREA' || field.tagName === 'INPUT') && !field.readOnly) {
      field.value = value;
      restored.push(field);
    }
  }
  if (restored.length === 0) return;
  // The text is back in its box: the offer of the server's copy of it would only confuse.
  document.getElementById('draft-banner-title')?.closest('.govuk-notification-banner')?.remove();
  const note = document.createElement('div');
  note.className = 'govuk-inset-text';
  note.id = 'typed-restored';
  note.textContent =
    'What you had typed before you were signed out has been put back. It is not saved yet: save it to keep it.';
  document.querySelector('main')?.prepend(note);
}

function idleWarning(idleMs) {
  const dialog = document.createElement('dialog');
  dialog.className = 'app-idle-dialog';
  dialog.setAttribute('aria-labelledby', 'idle-heading');
  dialog.setAttribute('aria-describedby', 'idle-text');
  const heading = document.createElement('h2');
  heading.className = 'govuk-heading-m';
  heading.id = 'idle-heading';
  heading.textContent = 'You are about to be signed out';
  const text = document.createElement('p');
  text.className = 'govuk-body';
  text.id = 'idle-text';
  const minutes = Math.round(idleMs / 60000);
  text.textContent = `For your security, you will be signed out in ${Math.round(WARN_BEFORE_MS / 60000)} minutes, because nothing has been sent for ${minutes - Math.round(WARN_BEFORE_MS / 60000)} minutes. What you have typed on this page is kept and put back when you sign in again.`;
  const stay = document.createElement('button');
  stay.type = 'button';
  stay.className = 'govuk-button govuk-!-margin-bottom-0';
  stay.textContent = 'Stay signed in';
  const group = document.createElement('div');
  group.className = 'govuk-button-group';
  group.append(stay);
  dialog.append(heading, text, group);
  document.body.append(dialog);

  const staySignedIn = async () => {
    try {
      const response = await fetch('/session/keep-alive', {
        method: 'POST',
        body: new URLSearchParams({ csrf_token: csrfToken() }),
        credentials: 'same-origin',
        redirect: 'manual',
      });
      if (response.status === 204) noteServerContact();
    } catch {
      // The next check tries to sign out or warns again.
    }
    if (dialog.open) dialog.close();
  };
  stay.addEventListener('click', staySignedIn);
  // Escape closes the dialog: taken as "stay signed in" too.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    staySignedIn();
  });

  const signOut = async () => {
    signingOut = true;
    keepTyped();
    // A report that hangs holds the sign-out back two seconds at most.
    await Promise.race([presenceInFlight, new Promise((resolve) => window.setTimeout(resolve, 2000))]);
    try {
      await fetch('/sign-out', {
        method: 'POST',
        body: new URLSearchParams({ csrf_token: csrfToken() }),
        credentials: 'same-origin',
        redirect: 'manual',
      });
    } catch {
      // The server ends the session by itself soon.
    }
    const next = location.pathname + location.search;
    location.assign(`/sign-in?done=timed-out&next=${encodeURIComponent(next)}`);
  };

  const check = () => {
    if (signingOut) return;
    const idle = Date.now() - sharedLastContact();
    if (idle >= idleMs - SIGN_OUT_BEFORE_MS) {
      signOut();
    } else if (idle >= idleMs - WARN_BEFORE_MS) {
      if (!dialog.open) dialog.showModal();
    } else if (dialog.open) {
      // Another tab kept the session going.
      dialog.close();
    }
  };
  window.setInterval(check, 15000);
}

putBackTyped();
{
  const idleSeconds = Number(document.body.dataset.idleSeconds);
  if (idleSeconds > 0) {
    noteServerContact();
    idleWarning(idleSeconds * 1000);
  }
}
