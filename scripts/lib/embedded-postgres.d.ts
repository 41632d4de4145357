export const SERVER_FILES_WHEN_ROOT: string;

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

export function platformBinaries(): Promise<PostgresBinaries>;

export class EmbeddedPostgres {
  constructor(options: {
    root: string;
    settings?: Record<string, string>;
    log?: (line: string) => void;
    serverFiles?: string;
    binaries?: PostgresBinaries;
  });
  readonly root: string;
  /** Where the cluster's files are: `<root>/data`, or (as root, when the server user cannot enter root) under serverFiles. */
  readonly dataDir: string;
  readonly logFile: string;
  readonly port: number;
  start(): Promise<void>;
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
  destroy(): void;
}
