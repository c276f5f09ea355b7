import { useEffect, useRef } from 'react';
import type { BookApi } from '../../packages/peer/src/service/protocol.js';

/** How often the app asks whether the documents changed underneath (a peer's entries, a command's write). */
const POLL_MS = 1_000;

/**
 * Asks the service's cheap `changes` counter about once a second and calls `onChanged` when it moved (and once at the first answer),
 * so open screens re-read what they show; nothing is re-read while the documents stay as they were.
 * One question at a time: a slow answer is not overtaken by the next tick.
 */
export function useLiveChanges(api: BookApi, enabled: boolean, onChanged: () => void): void {
  const changed = useRef(onChanged);
  changed.current = onChanged;
  useEffect(() => {
    if (!enabled) return undefined;
    let last: number | undefined;
    let asking = false;
    const timer = setInterval(() => {
      if (asking) return;
      asking = true;
      api.changes().then((result) => {
        if (!result.ok) return;
        // The first answer re-reads too: a change saved between the screens' first read and this answer would
        // otherwise be taken as the starting point and never shown (a join's first months arrive just then).
        if (last === undefined || result.value.version !== last) changed.current();
        last = result.value.version;
      }, () => undefined).finally(() => { asking = false; }); // not answering now: asked again next tick
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [api, enabled]);
}
