// The page's two kinds of message: an error (role=alert, read out at once, marked by a ✗ as
// well as colour) and a status line (role=status, kept in the layout even when empty so a
// change is announced).

export function ErrorText(props: { text: string | null | undefined; id?: string }) {
  if (!props.text) return null;
  return (
    <p id={props.id} class="error" role="alert">
      {props.text}
    </p>
  );
}

export function StatusText(props: { text: string | null }) {
  return (
    <p class="status" role="status">
      {props.text}
    </p>
  );
}
