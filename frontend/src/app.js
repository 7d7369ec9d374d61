// itf-planner: progressive enhancement only; every journey works without it.
// Loaded as <script type="module" src="/static/app.js"> (same origin, no inline
// script, so the CSP can stay `script-src 'self'`). Module scripts only run in
// browsers that GOV.UK Frontend supports, which is what the inline snippet in
// GOV.UK's page template checks with 'noModule' in HTMLScriptElement.prototype.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Drafts kept on the server (issue 13): the section's edit form names where its draft goes
// (data-draft-url). Every few seconds, if the text has changed since it was last kept, it is
// posted there (with the form's CSRF token and the version the text was typed on); the server
// offers it back on the section page from any browser. Without this script a refused save
// still keeps the text as a draft, server-side.
const DRAFT_EVERY_MS = 5000;

function keepDrafts(form) {
  const box = form.querySelector('textarea[name="text"]');
  if (!box) return;
  let kept = box.value;
  let sending = false;
  let submitted = false;
  const fields = () =>
    new URLSearchParams({
      csrf_token: form.elements.namedItem('csrf_token')?.value ?? '',
      version: form.elements.namedItem('version')?.value ?? '',
      text: box.value,
    });
  const keep = async () => {
    if (submitted || sending || box.value === kept) return;
    const text = box.value;
    sending = true;
    try {
      const response = await fetch(form.dataset.draftUrl, {
        method: 'POST',
        body: fields(),
        credentials: 'same-origin',
        redirect: 'manual',
      });
      if (response.status === 204) kept = text;
    } catch {
      // Offline or the server restarting: the next tick tries again.
    } finally {
      sending = false;
    }
  };
  window.setInterval(keep, DRAFT_EVERY_MS);
  // Saving (either button) makes the draft unnecessary: stop keeping it.
  form.addEventListener('submit', () => {
    submitted = true;
  });
  // Back to the page from the browser's cache after a save was sent: keep drafts again.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) submitted = false;
  });
  // Leaving the page between two ticks: keep the last words too.
  window.addEventListener('pagehide', () => {
    if (!submitted && box.value !== kept) {
      navigator.sendBeacon(form.dataset.draftUrl, fields());
      kept = box.value;
    }
  });
}

for (const form of document.querySelectorAll('form[data-draft-url]')) keepDrafts(form);
