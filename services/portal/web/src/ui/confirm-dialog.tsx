// A modal confirmation (the native <dialog>: focus is trapped and restored by the browser), optionally asking to type a word.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.js';

export function ConfirmDialog(props: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  /** When set, the confirm button stays disabled until this text is typed. */
  typeToConfirm?: string;
  /** The confirm button stays disabled while this is false (a field in the dialog is not filled in yet). */
  ready?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  const allowed =
    props.ready !== false && (props.typeToConfirm === undefined || typed.trim() === props.typeToConfirm.trim());
  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (allowed && !props.busy) props.onConfirm();
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        {props.typeToConfirm !== undefined && (
          <label class="field">
            <span>{t('admin.deleteConfirmLabel')}</span>
            <input value={typed} onInput={(event) => setTyped(event.currentTarget.value)} autoComplete="off" />
          </label>
        )}
        <div class="dialog-actions">
          <button type="button" class="button-secondary" onClick={props.onCancel}>
            {t('admin.cancel')}
          </button>
          <button type="submit" class="button-danger" disabled={!allowed || props.busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
