import { useCallback, useEffect, useState } from 'react';
import type { ServiceFailure, ServiceResult } from '../../packages/peer/src/service/protocol.js';

export type Loaded<T> = { state: 'loading' } | { state: 'failed'; error: ServiceFailure } | { state: 'ready'; value: T };

/** Loads from the service when `key` changes (and on `reload`), keeping the last answer's state. */
export function useService<T>(load: () => Promise<ServiceResult<T>>, key: string): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    load().then((result) => {
      if (current) setLoaded(result.ok ? { state: 'ready', value: result.value } : { state: 'failed', error: result.error });
    }, () => {
      if (current) setLoaded({ state: 'failed', error: { code: 'unreachable', message: 'Tallystick did not answer.' } });
    });
    return () => { current = false; };
  }, [key, generation]); // load changes identity each render: reload on key or generation only
  return [loaded, useCallback(() => setGeneration((value) => value + 1), [])];
}
