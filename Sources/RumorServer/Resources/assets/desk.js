// Keyboard shortcuts for the moderation desk: a key presses the decision button that carries it in data-key
// (1-9: the post asserts that candidate; d: it denies the first; u: unrelated; s: skip). Typing in the note is left
// alone. Without this script every decision is the same plain form button.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) return;
  const button = document.querySelector(`form.decide button[data-key="${CSS.escape(event.key)}"]`);
  if (!button) return;
  event.preventDefault();
  button.form.requestSubmit(button);
});
