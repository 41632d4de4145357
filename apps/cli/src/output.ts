import { TriggersError } from '@triggers/client';
import { UsageError } from './exit-codes.js';

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Everything a command prints. With `--json` stdout carries only JSON (one document, or one line
 * per item for streaming commands) and errors go to stderr as JSON; otherwise lines for people.
 * Progress goes to stderr, never with --json: rewritten in place on a terminal, else one line per
 * change at most once a second.
 */
export class Output {
  private progressShown = false;
  private lastProgressAt = 0;
  private lastProgress = '';

  constructor(
    readonly json: boolean,
    private readonly streams: Streams,
    private readonly now: () => number = Date.now,
  ) {}

  /** The command's result: `value` as JSON, or `human()`'s lines. */
  result(value: unknown, human: () => string | string[]): void {
    this.clearProgress();
    if (this.json) this.streams.stdout.write(`${JSON.stringify(value)}\n`);
    else {
      const text = human();
      const lines = Array.isArray(text) ? text : [text];
      if (lines.length > 0) this.streams.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  /** A note for people (stderr), never in --json mode's stdout. */
  note(text: string): void {
    this.clearProgress();
    if (!this.json) this.streams.stderr.write(`${text}\n`);
  }

  progress(text: string): void {
    if (this.json) return;
    if (this.streams.stderr.isTTY) {
      this.streams.stderr.write(`\r\x1b[K${text}`);
      this.progressShown = true;
      return;
    }
    const at = this.now();
    if (text === this.lastProgress || at - this.lastProgressAt < 1000) return;
    this.lastProgress = text;
    this.lastProgressAt = at;
    this.streams.stderr.write(`${text}\n`);
  }

  clearProgress(): void {
    if (!this.progressShown) return;
    this.streams.stderr.write('\r\x1b[K');
    this.progressShown = false;
  }

  /** The one line (or JSON object) that explains why the command failed. */
  error(error: unknown): void {
    this.clearProgress();
    if (this.json) {
      const body =
        error instanceof TriggersError
          ? { error: error.message, code: error.code, status: error.status, request_id: error.requestId, ...pick(error.body) }
          : { error: (error as Error).message, code: error instanceof UsageError ? 'usage' : 'error' };
      this.streams.stderr.write(`${JSON.stringify(body)}\n`);
      return;
    }
    if (error instanceof TriggersError) {
      const where = error.status === 0 ? error.code : `${error.code}, HTTP ${error.status}`;
      const details = error.details?.map((d) => d.message).join('; ');
      this.streams.stderr.write(
        `triggers: ${error.message}${details ? `: ${details}` : ''} (${where}, request ${error.requestId})\n`,
      );
    } else if (error instanceof UsageError) {
      this.streams.stderr.write(`triggers: ${error.message} (see triggers --help)\n`);
    } else {
      this.streams.stderr.write(`triggers: ${(error as Error).message ?? String(error)}\n`);
    }
  }
}

/** The error body's extra fields worth a script's attention (details, event_id, retry_after). */
function pick(body: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!body) return {};
  const { error: _e, code: _c, request_id: _r, ...rest } = body;
  return rest;
}
