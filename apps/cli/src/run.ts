import { parseArgs } from 'node:util';
import { CLI_VERSION, type Command, type Context, clientFor, GLOBAL_OPTIONS, integer, parseFor } from './command.js';
import { COMMANDS } from './commands/index.js';
import { resolveConfig } from './config.js';
import { EXIT, exitCodeOf, UsageError } from './exit-codes.js';
import { Output, type Streams } from './output.js';

const GLOBAL_HELP = [
  '--api-url URL     the API (else TRIGGERS_API_URL, the profile, or http://localhost:8080)',
  '--api-key KEY     the API key (else TRIGGERS_API_KEY or the profile)',
  '--profile NAME    a profile of the profile file (else TRIGGERS_PROFILE or "default");',
  '                  the file: TRIGGERS_CONFIG, else ~/.config/triggers/config.json',
  '--json            print JSON for scripts (errors too, on stderr)',
  '--retries N       retries of a failed request (network, 429, 5xx), default 4',
];

const EXIT_HELP = [
  'Exit codes: 0 ok, 1 refused by the API, 2 usage or configuration, 3 key not accepted,',
  '4 not found, 5 rate limited, 6 API unreachable or failing, 130 interrupted (Ctrl-C ends',
  'events tail and listen with 0).',
];

function usage(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.split(' [')[0]?.length ?? 0));
  const lines = Object.values(COMMANDS).map((c) => `  ${(c.usage.split(' [')[0] ?? '').padEnd(width)}  ${c.summary}`);
  return [
    'Usage: triggers <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    'Flags of every command:',
    ...GLOBAL_HELP.map((l) => `  ${l}`),
    '',
    ...EXIT_HELP,
    '',
    'triggers <command> --help shows its flags.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: triggers ${command.usage}`,
    '',
    command.summary,
    ...(command.help.length ? ['', ...command.help.map((l) => `  ${l}`)] : []),
    '',
    ...GLOBAL_HELP.map((l) => `  ${l}`),
  ].join('\n');
}

/** The command named by the first one or two positionals of `argv`, and how many words named it. */
function findCommand(argv: string[]): { command: Command; words: number } | undefined {
  const { positionals } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
  const [first, second] = positionals;
  if (second !== undefined && COMMANDS[`${first} ${second}`])
    return { command: COMMANDS[`${first} ${second}`] as Command, words: 2 };
  if (first !== undefined && COMMANDS[first]) return { command: COMMANDS[first] as Command, words: 1 };
  return undefined;
}

/** Runs `triggers <argv>`; resolves to the exit code. Everything it prints goes to `streams`. */
export async function run(
  argv: string[],
  options: { env: NodeJS.ProcessEnv; streams: Streams; signal: AbortSignal },
): Promise<number> {
  const json = argv.includes('--json');
  const out = new Output(json, options.streams);
  try {
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      options.streams.stdout.write(`${usage()}\n`);
      return EXIT.ok;
    }
    if (argv[0] === '--version' || argv[0] === 'version') {
      options.streams.stdout.write(`triggers ${CLI_VERSION}\n`);
      return EXIT.ok;
    }
    const found = findCommand(argv);
    if (!found) {
      const words = parseArgs({ args: argv, options: GLOBAL_OPTIONS, allowPositionals: true, strict: false })
        .positionals.slice(0, 2)
        .join(' ');
      throw new UsageError(`unknown command: ${words || argv.join(' ')}`);
    }
    const parsed = parseFor(found.command, found.words, argv);
    if (parsed.values.help) {
      options.streams.stdout.write(`${commandHelp(found.command)}\n`);
      return EXIT.ok;
    }
    const retries = integer(parsed.values, 'retries', 4, 0, 20);
    const config = resolveConfig(parsed.values as { 'api-url'?: string; 'api-key'?: string; profile?: string }, options.env);
    const ctx: Context = {
      out,
      config,
      env: options.env,
      signal: options.signal,
      now: Date.now,
      client: (clientOptions) => clientFor(config, out, { retries, ...clientOptions }),
    };
    return (await found.command.run(ctx, parsed)) ?? EXIT.ok;
  } catch (error) {
    // Ctrl-C before a command got going: no error line, the shell's usual 128 + SIGINT.
    if (options.signal.aborted) return EXIT.interrupted;
    out.error(error);
    return exitCodeOf(error);
  }
}
