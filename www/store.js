// Keeps the last trained model in IndexedDB. Every function resolves (never throws): storage can be
// unavailable (private mode, quota, blocked); callers get { ok: false, error } and tell the user.
const DB = 'digitgan';
const STORE = 'models';
const KEY = 'last';

function open() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') {
      reject(new Error('this browser has no IndexedDB'));
      return;
    }
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error || new Error('IndexedDB refused to open'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error('storage did not answer')), ms)),
  ]);
}

async function run(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      let value;
      req.onsuccess = () => (value = req.result);
      tx.oncomplete = () => resolve(value);
      tx.onerror = () => reject(tx.error || req.error || new Error('storage transaction failed'));
      tx.onabort = () => reject(tx.error || new Error('storage transaction aborted (quota?)'));
    });
  } finally {
    db.close();
  }
}

/** { bytes: ArrayBuffer, step, source, savedAt } */
export async function saveModel(record) {
  try {
    await withTimeout(run('readwrite', (s) => s.put(record, KEY)), 5000);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error?.message || String(error) };
  }
}

export async function loadModel() {
  try {
    const rec = await withTimeout(run('readonly', (s) => s.get(KEY)), 1500);
    if (rec && rec.bytes instanceof ArrayBuffer && rec.bytes.byteLength > 0) return { ok: true, record: rec };
    return { ok: true, record: null };
  } catch (error) {
    return { ok: false, error: error?.message || String(error), record: null };
  }
}

export async function clearModel() {
  try {
    await withTimeout(run('readwrite', (s) => s.delete(KEY)), 5000);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error?.message || String(error) };
  }
}
