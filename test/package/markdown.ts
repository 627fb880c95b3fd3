// Just enough Markdown for the packed-tarball test to read the README that ships.

/** A fenced code block, with the heading it sits under. */
export interface CodeBlock {
  readonly lang: string;
  readonly code: string;
  readonly heading: string;
}

const FENCE = /^```(\S*)\s*$/;
const HEADING = /^#{1,6} (.+)$/;

/** The fenced code blocks, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let heading = '';
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    const fence = FENCE.exec(line);
    if (open !== undefined) {
      if (fence === null) open.lines.push(line);
      else {
        blocks.push({ lang: open.lang, code: `${open.lines.join('\n')}\n`, heading });
        open = undefined;
      }
    } else if (fence !== null) open = { lang: fence[1] ?? '', lines: [] };
    else heading = HEADING.exec(line)?.[1] ?? heading;
  }
  return blocks;
}

/** The text outside fenced code blocks, where headings and links are. */
function prose(markdown: string): string[] {
  let inFence = false;
  return markdown.split('\n').filter((line) => {
    if (FENCE.test(line)) inFence = !inFence;
    return !inFence && !FENCE.test(line);
  });
}

/** The anchors GitHub and npm give the headings (`## Running many processes` → `running-many-processes`). */
export function headingAnchors(markdown: string): Set<string> {
  return new Set(
    prose(markdown).flatMap((line) => {
      const heading = HEADING.exec(line)?.[1];
      return heading === undefined
        ? []
        : [
            heading
              .toLowerCase()
              .replace(/[^\p{L}\p{N} _-]/gu, '')
              .replace(/ /g, '-'),
          ];
    }),
  );
}

/** Every link and image target: inline `[text](target)` and reference definitions `[name]: target`. */
export function linkTargets(markdown: string): string[] {
  const text = prose(markdown).join('\n');
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? '');
  const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1] ?? '');
  return [...inline, ...references];
}

/** The body rows of the table whose header row starts with `firstHeader`, each row's cells without backticks. */
export function tableRows(markdown: string, firstHeader: string): string[][] {
  const lines = prose(markdown);
  const start = lines.findIndex((line) => line.replace(/\s/g, '').startsWith(`|${firstHeader.replace(/\s/g, '')}|`));
  if (start < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
        .split('|')
        .map((cell) => cell.trim().replace(/`/g, '')),
    );
  }
  return rows;
}
