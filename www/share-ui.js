// The Share button and the link field (header), and opening a shared link. The format lives in
// share.js; main.js supplies what a view is made of (collect) and how to show one (show).
// Nothing from the link is ever inserted as HTML: the status line and the note are text only.
import { decodeState, encodeState, isShareFragment } from './share.js';

const $ = (id) => document.getElementById(id);
// Fingerprint of this build's bundled pretrained weights (webpack.config.js), 0 without any.
// eslint-disable-next-line no-undef
const WEIGHTS_ID = typeof __PRETRAINED_ID__ === 'number' ? __PRETRAINED_ID__ : 0;

/**
 * app: {   (collect's state has everything share.js needs except weightsId, added here)
 *   setStatus(text, kind),
 *   ready(): boolean,
 *   bundledWeights(): boolean          the model is exactly the bundled pretrained one
 *   collect(): Promise<state>          the current view as a share.js state
 *   show(state): Promise<void>         apply a decoded state's drawing (after the model is ready)
 * }
 */
export function initShare(app) {
  const ui = { button: $('share-button'), link: $('share-link'), note: $('share-note') };
  let pending = null; // link read at start: {ok, state} | {ok:false, error} | null (no link)
  let handled = false;
  let busy = false;

  let noteOwn = null;
  function refresh() {
    ui.button.disabled = !app.ready() || busy;
    const own = app.ready() && !app.bundledWeights();
    if (own === noteOwn) return; // called often (every progress message): touch the DOM only on change
    noteOwn = own;
    ui.note.dataset.kind = own ? 'warn' : '';
    ui.note.replaceChildren(
      own
        ? 'Your model is not the bundled one, and a link always replays with the bundled pretrained weights: the receiver gets your grid and damaged digit, but the pretrained model’s digits and restorations. To share your model, '
        : 'The link holds the grid, the settings and your damaged digit, not the weights: it replays with the bundled pretrained model. To share a model you trained, ',
      keepLink(),
      '.',
    );
  }
  function keepLink() {
    const a = document.createElement('a');
    a.href = '#keep';
    a.textContent = 'download its weights';
    a.addEventListener('click', (e) => {
      // Go to the Download weights button without replacing a share link in the address bar.
      e.preventDefault();
      const target = $('export-weights');
      target.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
      target.focus({ preventScroll: true });
    });
    return a;
  }

  ui.button.addEventListener('click', async () => {
    if (!app.ready() || busy) return;
    busy = true;
    refresh();
    try {
      const state = { ...(await app.collect()), weightsId: WEIGHTS_ID };
      const fragment = await encodeState(state);
      const url = `${location.origin}${location.pathname}${location.search}#${fragment}`;
      ui.link.value = url;
      ui.link.hidden = false;
      ui.link.focus();
      ui.link.select();
      ui.link.scrollLeft = 0; // show where the link goes, not its tail
      document.body.dataset.shareLength = String(url.length);
      let copied = false;
      try {
        await navigator.clipboard.writeText(url);
        copied = true;
      } catch {
        copied = false; // no permission (or no clipboard API): the field is selected for copying by hand
      }
      const what = state.drawing ? (state.drawing.restoreSeed !== null ? 'the grid and your restored digit' : 'the grid and your digit') : 'the sample grid';
      const weights = state.customWeights ? ' Note: the receiver sees it with the bundled pretrained weights, not your model.' : '';
      app.setStatus(
        `${copied ? 'Link copied' : 'Link ready — copy it from the field below the status'} (${url.length} characters): it shows ${what}.${weights}`,
        state.customWeights ? 'warn' : 'info',
      );
    } catch (err) {
      app.setStatus(`Could not make a share link: ${err.message}`, 'error');
    } finally {
      busy = false;
      refresh();
    }
  });
  ui.link.addEventListener('focus', () => ui.link.select());

  // A different share link pasted into this tab changes only the fragment: load it properly.
  window.addEventListener('hashchange', () => {
    if (isShareFragment(location.hash)) location.reload();
  });

  return {
    refresh,
    /** Read the link in the address bar (before the model starts). Returns the state or null. */
    async readLink() {
      if (!isShareFragment(location.hash)) {
        document.body.dataset.shareLink = 'none';
        return null;
      }
      pending = await decodeState(location.hash);
      document.body.dataset.shareLink = 'pending'; // 'shown' or 'error:<code>' once the page shows it
      return pending.ok ? pending.state : null;
    },
    /** Call when the model is ready; shows the link's drawing, or the message for a bad link. */
    async onReady() {
      refresh();
      if (handled || !pending) return;
      handled = true;
      if (!pending.ok) {
        app.setStatus(`${pending.error} Showing the default view instead.`, 'warn');
        document.body.dataset.shareLink = `error:${pending.code}`;
        return;
      }
      const s = pending.state;
      try {
        await app.show(s);
        const grid = s.gridLabel === null ? 'the sample grid' : `the sample grid of ${s.gridLabel}s`;
        const drawing = s.drawing
          ? s.drawing.restoreSeed !== null
            ? ', a damaged digit and its restorations (section 3)'
            : ' and a drawn digit (section 3)'
          : '';
        const otherWeights = s.weightsId !== WEIGHTS_ID;
        const sender = otherWeights
          ? ' It was made by a DigitGAN build with other pretrained weights, so the digits and restorations may differ from what the sender saw.'
          : s.customWeights
            ? ' The sender used their own model; you see what the bundled pretrained weights make of it.'
            : ' Made with the bundled pretrained weights, as the sender saw it.';
        app.setStatus(`Shared view: ${grid}${drawing}.${sender}`, s.customWeights || otherWeights ? 'warn' : 'info');
        document.body.dataset.shareLink = 'shown';
      } catch (err) {
        app.setStatus(`Could not show the shared digit: ${err.message}`, 'error');
        document.body.dataset.shareLink = 'error:show';
      }
    },
  };
}
