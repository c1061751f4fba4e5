/**
 * A progress bar on stderr, so stdout keeps only the results. On a terminal it redraws one line; elsewhere (CI logs,
 * a test) it prints a line per step, which a log keeps readable.
 */

/** A bar over a known number of steps. */
export interface Progress {
  /** Shows what is running now, without advancing. */
  status(label: string): void;
  /** Marks one step done. */
  tick(label?: string): void;
  /** Ends the bar's line. */
  done(): void;
}

const BAR_WIDTH = 24;

/** A bar of `total` steps titled `title`; `quiet` draws nothing (tests). */
export function createProgress(title: string, total: number, options: { quiet?: boolean } = {}): Progress {
  const stream = process.stderr;
  const started = performance.now();
  let completed = 0;
  const line = (label: string) => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((completed / total) * BAR_WIDTH);
    const elapsed = Math.round((performance.now() - started) / 1000);
    const clock = `${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, "0")}`;
    return `${title} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${completed}/${total} ${clock} ${label}`;
  };
  const draw = (label: string) => {
    if (options.quiet) return;
    if (stream.isTTY) stream.write(`\r\x1b[2K${line(label).slice(0, (stream.columns ?? 120) - 1)}`);
    else stream.write(`${line(label)}\n`);
  };
  return {
    status: draw,
    tick(label = "") {
      completed += 1;
      draw(label);
    },
    done() {
      if (!options.quiet && stream.isTTY) stream.write("\n");
    },
  };
}
