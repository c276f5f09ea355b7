import { parentPort } from 'node:worker_threads';
import { type BatchRequest, packSealed, prepareTexts } from './batch-thread.js';
import { saveNewMonth } from './month-snapshots.js';

/* A batch thread (see batch-thread.ts): requests in, answers out with the same id; packs and saved months are moved, not copied. */

parentPort!.on('message', (request: BatchRequest) => {
  if (request.type === 'prepare') {
    parentPort!.postMessage({ id: request.id, ...prepareTexts(request.header, request.first, request.items) });
  } else if (request.type === 'build') {
    const saved = saveNewMonth(request.month);
    parentPort!.postMessage({ id: request.id, saved }, [saved.bytes.buffer as ArrayBuffer]);
  } else {
    const { key, value } = packSealed(request.seal, request.texts);
    parentPort!.postMessage({ id: request.id, key, value }, [value.buffer as ArrayBuffer]);
  }
});
