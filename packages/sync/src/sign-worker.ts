import { parentPort } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { type EntryBody, createEntry } from '@tallystick/core';
import { NodeEntrySigner, nodeEntryCrypto } from './node-crypto.js';

/* A signing thread: builds and signs a slice of a large batch (see parallel-signing.ts). */

interface SignRequest {
  privateKey: KeyObject;
  fields: Omit<EntryBody, 'v' | 'author'>[];
}

parentPort!.on('message', (request: SignRequest) => {
  const signer = NodeEntrySigner.fromKeyObject(request.privateKey);
  const signed = request.fields.map((fields) => {
    const entry = createEntry(fields, signer, nodeEntryCrypto);
    return { id: entry.id, text: entry.stored.text, sig: entry.stored.sig };
  });
  parentPort!.postMessage(signed);
});
