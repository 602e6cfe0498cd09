// The mutation score per core folder, from Stryker's recorded results (one
// file per part of the core, in the mutation-testing-report-schema), and
// every mutant no test detected, with its file and line. Exits 1 when a
// folder is under the score we hold, or a part was never measured.
//
//   node dist/test/mutation/scores.js reports/mutation/model.json [...]

import { existsSync, readFileSync } from 'node:fs';

/** The score every core folder is held at (docs/architecture.md). */
const REQUIRED_SCORE = 85;

type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface ReportMutant {
  mutatorName: string;
  replacement?: string;
  status: MutantStatus;
  statusReason?: string;
  location: { start: { line: number; column: number } };
}

interface Report {
  files: Record<string, { mutants: ReportMutant[] }>;
}

interface FolderScore {
  folder: string;
  detected: number;
  undetected: number;
  ignored: number;
  /** Detected over detected + undetected, in percent; undefined with no valid mutant. */
  score: number | undefined;
}

/** Stryker's own definition: killed and timed-out mutants are detected,
 * survivors and uncovered ones are not; ignored mutants (equivalent, with the
 * reason in the source) and those that do not run are left out. */
function folderScores(report: Report): FolderScore[] {
  const folders = new Map<string, FolderScore>();
  for (const [path, { mutants }] of Object.entries(report.files)) {
    const folder = path.split('/').slice(0, -1).join('/');
    const row = folders.get(folder) ?? { folder, detected: 0, undetected: 0, ignored: 0, score: undefined };
    for (const { status } of mutants) {
      if (status === 'Killed' || status === 'Timeout') row.detected++;
      else if (status === 'Survived' || status === 'NoCoverage') row.undetected++;
      else if (status === 'Ignored') row.ignored++;
    }
    folders.set(folder, row);
  }
  return [...folders.values()]
    .map((row) => ({ ...row, score: row.detected + row.undetected === 0 ? undefined : (100 * row.detected) / (row.detected + row.undetected) }))
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

function undetected(report: Report): string[] {
  const lines: string[] = [];
  for (const [path, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    for (const m of mutants) {
      if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
      const replacement = (m.replacement ?? '').replace(/\s+/g, ' ');
      const shown = replacement.length > 80 ? `${replacement.slice(0, 77)}...` : replacement;
      lines.push(
        `${path}:${m.location.start.line}:${m.location.start.column}  ${m.status === 'NoCoverage' ? 'no test reaches it' : 'survived'}  ${m.mutatorName}  ${shown}`,
      );
    }
  }
  return lines;
}

function main(): void {
  const files = process.argv.slice(2);
  const missing = files.filter((file) => !existsSync(file));
  const report: Report = { files: {} };
  for (const file of files.filter((file) => existsSync(file))) Object.assign(report.files, (JSON.parse(readFileSync(file, 'utf8')) as Report).files);
  const survivors = undetected(report);
  if (survivors.length > 0) console.log(`Undetected mutants (${survivors.length}):\n${survivors.join('\n')}\n`);
  const scores = folderScores(report);
  console.log('folder                 score   detected  undetected  ignored');
  for (const row of scores) {
    const score = row.score === undefined ? '   -  ' : `${row.score.toFixed(1).padStart(5)} %`;
    console.log(
      `${row.folder.padEnd(22)} ${score}  ${String(row.detected).padStart(8)}  ${String(row.undetected).padStart(10)}  ${String(row.ignored).padStart(7)}`,
    );
  }
  const below = scores.filter((row) => row.score !== undefined && row.score < REQUIRED_SCORE);
  if (below.length > 0) {
    console.log(`\nUnder ${REQUIRED_SCORE} %: ${below.map((row) => row.folder).join(', ')}`);
    process.exitCode = 1;
  }
  if (missing.length > 0) {
    console.log(`\nNever measured (no recorded results): ${missing.join(', ')}`);
    process.exitCode = 1;
  }
}

main();
