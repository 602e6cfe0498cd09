// Lists that reach a person through the API server and the logs, bounded:
// the first entries, each cut short, then how many more there were. A pod
// with a thousand problems gets an answer of kilobytes, not megabytes.

import { MESSAGE_LIMITS } from './limits.js';

function cut(text: string, length: number): string {
  if (text.length <= length) return text;
  const note = `… (${text.length} characters)`;
  return `${text.slice(0, Math.max(0, length - note.length))}${note}`;
}

/** The problems of a refusal: at most MESSAGE_LIMITS.problems, each at most
 * problemLength characters, and a last "and K more problems". */
export function boundedProblems(problems: readonly string[]): string[] {
  const { problems: most, problemLength } = MESSAGE_LIMITS;
  const shown = problems.slice(0, most).map((problem) => cut(problem, problemLength));
  if (problems.length > most) shown.push(`and ${problems.length - most} more problems`);
  return shown;
}

/** Admission warnings within kube-apiserver's limits: each at most
 * warningLength characters, all together at most warningsTotal, the last
 * saying how many more were left out. */
export function boundedWarnings(warnings: readonly string[]): string[] {
  const { warningLength, warningsTotal } = MESSAGE_LIMITS;
  const shown: string[] = [];
  // Room for the last line, "and 123456 more warnings".
  let room = warningsTotal - 40;
  for (const warning of warnings) {
    const text = cut(warning, warningLength);
    if (text.length > room) break;
    shown.push(text);
    room -= text.length;
  }
  if (shown.length < warnings.length) shown.push(`and ${warnings.length - shown.length} more warnings`);
  return shown;
}
