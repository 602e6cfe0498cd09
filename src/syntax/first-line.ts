// The first line of a message: parsers and libraries append context (a
// code frame, a stack) after it that a user-facing problem must not echo.

export function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}
