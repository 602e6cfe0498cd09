// A value a pod author wrote, quoted for a message or a log line. Never whole:
// a refusal must not echo a megabyte back into an admission response and a
// log line, so long values are cut and their length said instead.

const SHOWN = 60;

export function quote(value: unknown): string {
  // Strings are quoted; anything else is shown as its JSON.
  const text = typeof value === 'string' ? value : value === undefined ? 'undefined' : JSON.stringify(value);
  const show = (part: string): string => (typeof value === 'string' ? JSON.stringify(part) : part);
  if (text.length <= SHOWN + 20) return show(text);
  return `${show(text.slice(0, SHOWN))}… (${text.length} characters)`;
}
