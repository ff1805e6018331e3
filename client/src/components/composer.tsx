import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { LIMITS } from "../../../shared/limits.js";

const TYPING_IDLE_MS = 2_500;

/** The message box: Enter sends, Shift+Enter breaks the line; tells the room while you type. */
export function Composer(props: {
  onSend(text: string): void;
  onTyping(typing: boolean): void;
  /** Why nobody can write here (a removed item): the box is disabled and says so. */
  closedBecause?: string | null;
}) {
  const closed = Boolean(props.closedBecause);
  const [text, setText] = useState("");
  const typing = useRef(false);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const { onTyping } = props;

  const stopTyping = () => {
    clearTimeout(idle.current);
    if (typing.current) {
      typing.current = false;
      onTyping(false);
    }
  };

  useEffect(
    () => () => {
      clearTimeout(idle.current);
      if (typing.current) onTyping(false);
    },
    [onTyping],
  );

  const change = (value: string) => {
    setText(value);
    if (!value.trim()) return stopTyping();
    if (!typing.current) {
      typing.current = true;
      onTyping(true);
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!text.trim() || closed) return;
    props.onSend(text);
    typing.current = false;
    clearTimeout(idle.current);
    setText("");
  };

  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="composer-message" className="sr-only">
        Message
      </label>
      <textarea
        id="composer-message"
        rows={1}
        placeholder={props.closedBecause ?? "Write a message…"}
        disabled={closed}
        maxLength={LIMITS.messageMax}
        value={text}
        onChange={(e) => change(e.target.value)}
        onKeyDown={keyDown}
      />
      <button type="submit" className="button primary" disabled={!text.trim() || closed}>
        Send
      </button>
    </form>
  );
}
