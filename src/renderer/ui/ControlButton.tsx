import type { ComponentChildren } from 'preact';

/** The colour of a control: what it does to its target's state. */
export type ControlTone = 'start' | 'stop' | 'restart';

interface Props {
  /** The verb, shown and, with the target, the accessible name: "Stop api", "Drain worker1". */
  verb: string;
  target: string;
  tone?: ControlTone | undefined;
  busy?: boolean | undefined;
  /** A form's submit button (the form acts); otherwise `onClick` does. */
  submit?: boolean;
  onClick?: () => void;
  /** The text when it says more than the verb ("Deploy as a stack"). */
  children?: ComponentChildren;
}

/** The one button that acts on a row's object (a container, project, node, service or stack). */
export function ControlButton({ verb, target, tone, busy, submit, onClick, children }: Props) {
  return (
    <button type={submit ? 'submit' : 'button'} class={tone ? `control ${tone}` : 'control'} disabled={busy} aria-label={`${verb} ${target}`} onClick={onClick}>
      {children ?? verb}
    </button>
  );
}
