import { parentPort } from 'node:worker_threads';
import { prepareEntry } from '@tallystick/core';
import { nodeEntryCrypto } from './node-crypto.js';
import type { PrepareRequest } from './parallel-prepare.js';

/* A preparing thread: validates, encodes and hashes a slice of a large batch (see parallel-prepare.ts). */

parentPort!.on('message', (request: PrepareRequest) => {
  parentPort!.postMessage(request.fields.map((fields, index) => {
    const entry = prepareEntry(fields, request.author, nodeEntryCrypto, request.payloadTexts[index]);
    return { id: entry.id, text: entry.text };
  }));
});
