import { parentPort } from 'node:worker_threads';
import { type NewMonth, saveNewMonth } from './month-snapshots.js';

/* The month-building thread (see month-snapshots.ts): each new month in, its saved bytes out (moved, not copied). */

parentPort!.on('message', (month: NewMonth) => {
  const saved = saveNewMonth(month);
  parentPort!.postMessage(saved, [saved.bytes.buffer as ArrayBuffer]);
});
