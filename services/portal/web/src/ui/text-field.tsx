// A labelled text input (the label wraps it, so it is named for assistive technology and clickable), for every form.
/** The input attributes our forms use (a narrow set: Preact's full type is a union per input type). */
interface InputProps {
  name?: string;
  password?: boolean;
  autoComplete?: string;
  autoCapitalize?: 'none';
  spellcheck?: boolean;
  required?: boolean;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  placeholder?: string;
}

export function TextField(props: InputProps & { label: string; value: string; onValue: (value: string) => void }) {
  const { label, value, onValue, password, ...input } = props;
  const onInput = (event: { currentTarget: HTMLInputElement }) => onValue(event.currentTarget.value);
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the input is inside, one of two by type (Preact types each input type apart).
    <label class="field">
      <span>{label}</span>
      {password ? (
        <input {...input} type="password" value={value} onInput={onInput} />
      ) : (
        <input {...input} type="text" value={value} onInput={onInput} />
      )}
    </label>
  );
}

/** The username field of sign-in, registration and account creation. */
export function UsernameField(props: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  register?: boolean;
}) {
  return (
    <TextField
      label={props.label}
      name="username"
      autoComplete={props.register ? 'off' : 'username'}
      autoCapitalize="none"
      spellcheck={false}
      required
      minLength={props.register ? 3 : undefined}
      maxLength={props.register ? 50 : undefined}
      value={props.value}
      onValue={props.onValue}
    />
  );
}

/** A password field: the current one at sign-in, a new one elsewhere. */
export function PasswordField(props: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  isNew?: boolean;
  name?: string;
}) {
  return (
    <TextField
      label={props.label}
      name={props.name ?? 'password'}
      password
      autoComplete={props.isNew ? 'new-password' : 'current-password'}
      required
      minLength={props.isNew ? 4 : undefined}
      value={props.value}
      onValue={props.onValue}
    />
  );
}
