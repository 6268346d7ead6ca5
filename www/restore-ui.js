// Section 3, "Draw, damage, restore": the drawing pad, its live 28×28 preview, the upload and
// test-digit pickers, and the restorer + latent-search results. Inputs go to the worker as the
// exact bytes a share link carries (quantised to k/255, 0/1 mask), so sender and receiver
// restore the same thing.
import { drawDigit, clearDigit, drawMask } from './digits.js';
import { Pad } from './pad.js';
import { imageFileToInk, smallImageHint } from './upload.js';
import { quantise, dequantise, maskBits, maskFloat } from './share.js';

const $ = (id) => document.getElementById(id);

function padColors() {
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  return dark
    ? { paper: [22, 25, 32], ink: [240, 240, 236], hatch: [240, 130, 70] }
    : { paper: [255, 255, 255], ink: [20, 22, 28], hatch: [225, 110, 60] };
}

function labelText(label, confidence) {
  return `looks like ${label} · ${(confidence * 100).toFixed(0)}%`;
}

/** An input from exact bytes: { bytes, bits, image, mask }. */
function exactInput(bytes, bits) {
  return { bytes, bits, image: dequantise(bytes), mask: bits ? maskFloat(bits) : null };
}

/**
 * app: { call(method, args, transfer) → Promise, setStatus(text, kind), ready() → boolean,
 * model() → the model in words, for status lines }. Returns the hooks the page and share links need.
 */
export function initRestore(app) {
  const ui = {
    draw: $('draw-canvas'),
    tools: [...document.querySelectorAll('.tool')],
    noise: $('tool-noise'),
    pick: $('pick-test-digit'),
    clear: $('clear-drawing'),
    damaged: $('damaged-canvas'),
    maskOverlay: $('mask-overlay'),
    damagedLabel: $('damaged-label'),
    restoreBtn: $('restore-button'),
    restored: $('restored-canvas'),
    restoredLabel: $('restored-label'),
    latent: $('latent-canvas'),
    latentLabel: $('latent-label'),
    imageInput: $('image-file-input'),
  };
  let previewTimer = 0;
  let previewBusy = false;
  let previewAgain = false;
  let drawingRev = 0; // bumped on every edit of the pad
  let fixedInput = null; // { input, rev }: the exact 28×28 input of a shared link, while the pad is unedited
  let lastRestore = null; // { input, seed, rev }: what the result canvases show
  let picking = Promise.resolve(); // a pick waiting on the worker (see ui.pick below)
  const pad = new Pad(ui.draw, {
    onChange(final) {
      drawingRev++;
      document.body.dataset.drawingRev = String(drawingRev);
      clearTimeout(previewTimer);
      previewTimer = setTimeout(preview, final ? 0 : 120);
    },
  });
  pad.setColors(padColors());
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => pad.setColors(padColors()));

  /**
   * The pad as the model sees it: 28×28, quantised to k/255 and with a 0/1 mask, exactly the
   * bytes a share link carries. { bytes, bits, image, mask, label, confidence } or null (no ink).
   */
  async function currentInput() {
    if (pad.isEmpty()) return null;
    if (fixedInput && fixedInput.rev === drawingRev) return fixedInput.input;
    const snap = pad.snapshot();
    const m = await app.call('mnistify', snap, [snap.pixels.buffer, ...(snap.mask ? [snap.mask.buffer] : [])]);
    if (m.empty) return null;
    return { ...exactInput(quantise(m.image), m.mask ? maskBits(m.mask) : null), label: m.label, confidence: m.confidence };
  }

  async function preview() {
    if (!app.ready()) return;
    if (previewBusy) {
      previewAgain = true;
      return;
    }
    previewBusy = true;
    const rev = drawingRev;
    try {
      const input = await currentInput();
      if (!input) {
        clearDigit(ui.damaged);
        drawMask(ui.maskOverlay, null);
        ui.damagedLabel.textContent = 'Draw a digit';
      } else {
        drawDigit(ui.damaged, input.image);
        drawMask(ui.maskOverlay, input.mask);
        ui.damagedLabel.textContent = labelText(input.label, input.confidence);
      }
      document.body.dataset.previewCount = String(Number(document.body.dataset.previewCount || 0) + 1);
      document.body.dataset.previewRev = String(rev); // the pad edit this preview shows
    } catch (err) {
      if (app.ready()) app.setStatus(`Could not read the drawing: ${err.message}`, 'error');
    } finally {
      previewBusy = false;
      if (previewAgain) {
        previewAgain = false;
        preview();
      }
    }
  }

  function selectTool(tool) {
    pad.tool = tool;
    for (const b of ui.tools) b.setAttribute('aria-pressed', String(b.dataset.tool === tool));
    ui.draw.dataset.tool = tool;
  }
  for (const b of ui.tools) b.addEventListener('click', () => selectTool(b.dataset.tool));
  selectTool('pen');

  ui.noise.addEventListener('click', async () => {
    await picking;
    if (!pad.noise()) app.setStatus('Draw a digit first, then add noise to it.', 'warn');
  });
  ui.imageInput.addEventListener('change', async () => {
    const file = ui.imageInput.files?.[0];
    ui.imageInput.value = '';
    if (!file) return;
    try {
      const { ink, width, height } = await imageFileToInk(file, pad.w, pad.h);
      pad.setInk(ink);
      const small = smallImageHint(width, height);
      if (pad.isEmpty()) app.setStatus(`“${file.name}” has no visible strokes: nothing to restore.`, 'warn');
      else if (small) app.setStatus(`Loaded “${file.name}”, but it ${small}.`, 'warn');
      else app.setStatus(`Loaded “${file.name}” into the pad. Damage it, then restore.`);
    } catch (err) {
      app.setStatus(`Could not use “${file.name}”: ${err.message}.`, 'error');
    }
  });

  ui.clear.addEventListener('click', () => {
    pad.clear();
    for (const c of [ui.restored, ui.latent]) clearDigit(c);
    ui.restoredLabel.textContent = ui.latentLabel.textContent = '–';
  });
  // Pick shows a test digit asked for ahead of the click, so the pad changes at once and a quick
  // Pick → Noise / Block / Restore damages the picked digit. When it has not arrived yet (the
  // first pick, or a busy worker) the pick waits for that same request: Noise and Restore wait
  // for it, the pad takes no edit meanwhile, and a tool chosen meanwhile is kept.
  let next = null; // the request for the next test digit (a promise)
  let arrived = null; // its digit, once there
  let waitingPicks = 0; // picks waiting on the worker (the pad is busy while any is)
  function prefetch() {
    if (next || !app.ready()) return;
    const request = app.call('testDigit', {});
    next = request;
    request.then(
      (d) => next === request && (arrived = d),
      () => next === request && (next = null), // a click asks again, and reports any error
    );
  }
  /** The next test digit's request (the prefetched one, or a new one); the next pick asks anew. */
  function takeNext() {
    const request = next ?? app.call('testDigit', {});
    next = arrived = null;
    return request;
  }
  function showPicked(d, toolAtClick) {
    pad.setDigit(d.image);
    if (pad.tool === toolAtClick) selectTool('eraser');
    app.setStatus(`A real ${d.label} from the test set (#${d.index}). Now damage it — the ${pad.tool} is selected.`);
    document.body.dataset.pickCount = String(Number(document.body.dataset.pickCount || 0) + 1);
  }
  ui.pick.addEventListener('click', () => {
    const toolAtClick = pad.tool;
    const d = arrived;
    const request = takeNext();
    if (d) {
      showPicked(d, toolAtClick);
      prefetch();
      return;
    }
    picking = (async () => {
      // The digit will replace the pad: an edit made meanwhile would be lost, so none is taken.
      waitingPicks++;
      pad.setBusy(true);
      try {
        showPicked(await request, toolAtClick);
        prefetch();
      } catch (err) {
        app.setStatus(`Could not pick a test digit: ${err.message}`, 'error');
      } finally {
        pad.setBusy(--waitingPicks > 0);
      }
    })();
  });

  ui.restoreBtn.addEventListener('click', async () => {
    ui.restoreBtn.disabled = true;
    ui.restoreBtn.setAttribute('aria-busy', 'true');
    try {
      await picking;
      if (pad.isEmpty()) {
        app.setStatus('Draw a digit (or pick a test digit) first, then damage it and press Restore.', 'warn');
        return;
      }
      const input = await currentInput();
      if (!input) {
        app.setStatus('There is no ink left to restore from.', 'warn');
        return;
      }
      app.setStatus(input.mask ? 'Restoring (the hatched pixels are unknown)…' : 'Restoring (blind: the model must find the damage itself)…', 'busy');
      const r = await runRestore(input, (Math.random() * 2 ** 31) >>> 0);
      app.setStatus(
        `Restored: the network took ${r.restoreMs.toFixed(0)} ms, the latent search ${(r.latentMs / 1000).toFixed(1)} s (${app.model()}).`,
      );
    } catch (err) {
      app.setStatus(`Restore failed: ${err.message}`, 'error');
    } finally {
      ui.restoreBtn.disabled = !app.ready();
      ui.restoreBtn.removeAttribute('aria-busy');
    }
  });

  /** Restore an exact input (see currentInput) with a latent-search seed and show the results. */
  async function runRestore(input, seed) {
    const rev = drawingRev;
    const image = input.image.slice();
    const mask = input.mask ? input.mask.slice() : null;
    const r = await app.call('restoreImage', { image, mask, seed }, [image.buffer, ...(mask ? [mask.buffer] : [])]);
    drawDigit(ui.damaged, r.input);
    drawMask(ui.maskOverlay, r.mask);
    drawDigit(ui.restored, r.restored);
    drawDigit(ui.latent, r.latent);
    ui.damagedLabel.textContent = labelText(r.labels[0], r.confidence[0]);
    ui.restoredLabel.textContent = labelText(r.labels[1], r.confidence[1]);
    ui.latentLabel.textContent = labelText(r.labels[2], r.confidence[2]);
    [input.label, input.confidence] = [r.labels[0], r.confidence[0]];
    lastRestore = { input, seed, rev };
    document.body.dataset.restoreCount = String(Number(document.body.dataset.restoreCount || 0) + 1);
    return r;
  }

  clearDigit(ui.damaged);
  for (const c of [ui.restored, ui.latent]) clearDigit(c);

  return {
    /** Buttons that need a ready model. */
    buttons: [ui.restoreBtn, ui.pick],
    /** Called when the model (re)starts: refresh the preview of what is on the pad. */
    onReady() {
      prefetch();
      if (!pad.isEmpty()) preview();
    },
    /** What a share link should carry: the restored input (with its seed) or the pad's input. */
    async shareDrawing() {
      if (lastRestore && lastRestore.rev === drawingRev) {
        return { image: lastRestore.input.bytes, mask: lastRestore.input.bits, restoreSeed: lastRestore.seed };
      }
      const input = await currentInput();
      return input ? { image: input.bytes, mask: input.bits, restoreSeed: null } : null;
    },
    /** Shows a shared drawing exactly, restoring it with the sender's seed if they had. */
    async showShared(drawing) {
      const input = exactInput(drawing.image, drawing.mask);
      pad.show(input.image, input.mask);
      fixedInput = { input, rev: drawingRev };
      if (drawing.restoreSeed !== null) {
        await runRestore(input, drawing.restoreSeed);
      } else {
        const c = await app.call('classify', { images: input.image.slice() });
        [input.label, input.confidence] = [c.labels[0], c.confidence[0]];
        await preview();
      }
    },
  };
}
