import { type FormEvent, useState } from 'react';
import type { ServiceFailure, ServiceResult } from '../../packages/peer/src/service/protocol.js';

/**
 * A write that takes two presses, so a stray Enter never writes: the first submit asks to confirm, the
 * second writes (once: presses while saving are ignored). A failure is kept for the form to show;
 * on success `onWritten` gets the service's message.
 */
export function useConfirmedWrite(write: () => Promise<ServiceResult<{ readonly message: string }>>, onWritten: (message: string) => void) {
  const [confirming, setConfirming] = useState(false);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<ServiceFailure | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!confirming) { setConfirming(true); return; }
    if (saving) return;
    setSaving(true);
    setProblem(undefined);
    const result = await write();
    setSaving(false);
    setConfirming(false);
    if (!result.ok) { setProblem(result.error); return; }
    onWritten(result.value.message);
  };
  return { confirming, saving, problem, submit, cancel: () => setConfirming(false) };
}
