/** The server's grammar (libpg-query, PostgreSQL's parser built to WebAssembly), as one function. */
export type ParseSync = (sql: string) => unknown;

let parser: Promise<ParseSync> | undefined;

/**
 * Loads the parser on first use, once per process: a command that never checks SQL text, and
 * every SQLite user, never pays for the WebAssembly module.
 */
export function loadParser(): Promise<ParseSync> {
  parser ??= (async () => {
    const module = await import('libpg-query');
    await module.loadModule();
    return module.parseSync as ParseSync;
  })();
  return parser;
}
