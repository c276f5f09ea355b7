import { parentPort } from 'node:worker_threads';
import { type DeviceKey, type EntryBody, prepareEntry } from '@tallystick/core';
import { nodeEntryCrypto } from './node-crypto.js';

/* A preparing thread: validates, encodes and hashes a slice of a large batch (see parallel-prepare.ts). */

interface PrepareRequest {
  author: DeviceKey;
  fields: Omit<EntryBody, 'v' | 'author'>[];
}

parentPort!.on('message', (request: PrepareRequest) => {
  parentPort!.postMessage(request.fields.map((fields) => {
    const entry = prepareEntry(fields, request.author, nodeEntryCrypto);
    return { id: entry.id, text: entry.text };
  }));
});
