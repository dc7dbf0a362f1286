/**
 * The desk config file (`DESK_CONFIG`): loaded and validated at start (a {@link ConfigError}
 * naming every problem), held in a {@link DeskSettings} that other modules read live, and saved
 * from the admin page (validated, written atomically, applied at once, and announced to the other
 * nodes through Redis so they reload it too).
 */
import { chmod, rename, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import { DeskConfigSchema, deskConfigProblems, type DeskConfig } from '../../protocol/desk-config.ts';
import { ConfigError } from '../config.ts';

/** The config of a server without a desk file: open mode, one queue, defaults everywhere. */
export const DEFAULT_DESK_CONFIG: DeskConfig = v.parse(DeskConfigSchema, {});

/** Reads and validates `file`; throws a {@link ConfigError} whose lines name the file and each setting. */
export function loadDeskConfig(file: string): DeskConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`DESK_CONFIG: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  return parseDeskConfig(text, file);
}

/** Parses and validates the text of a desk config file (`where` names it in errors). */
export function parseDeskConfig(text: string, where: string): DeskConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`DESK_CONFIG: ${where} is not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError([`DESK_CONFIG: ${where} must contain a JSON object`]);
  const problems = deskConfigProblems(json);
  const unknown = Object.keys(json).filter((key) => !(key in DeskConfigSchema.entries));
  for (const key of unknown) problems.push(`${key}: unknown setting (known: ${Object.keys(DeskConfigSchema.entries).join(', ')})`);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `DESK_CONFIG (${where}) ${formatPath(p)}`));
  return v.parse(DeskConfigSchema, json);
}

/** `reps.0.displayName: …` → `reps[0].displayName: …` */
function formatPath(problem: string): string {
  return problem.replace(/^([^:]*)/, (path) => path.replace(/\.(\d+)(?=\.|$)/g, '[$1]'));
}

/** Announces a saved config to the other nodes, and hears theirs. */
export interface DeskConfigChannel {
  publish(): Promise<void>;
  /** `onReload` runs when another node saved the file. */
  subscribe(onReload: () => void): Promise<void>;
  close(): Promise<void>;
}

export type DeskChangeListener = (next: DeskConfig, previous: DeskConfig) => void;

/** Thrown by {@link DeskSettings.save} with the problems of a config that does not validate. */
export class DeskConfigInvalid extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid desk config:\n${problems.join('\n')}`);
  }
}

/** Saved and applied here, but the other nodes could not be told (Redis unreachable). */
export class DeskConfigNotAnnounced extends Error {
  constructor(options: { cause: unknown }) {
    super('the desk config was saved, but the other nodes could not be told to reload it', options);
  }
}

/**
 * The live desk config. Modules read {@link current} every time (never keep a copy), or listen
 * with {@link onChange}.
 */
export class DeskSettings {
  #config: DeskConfig;
  readonly #listeners = new Set<DeskChangeListener>();
  #channel: DeskConfigChannel | null = null;
  /** Saves one at a time: two admins saving at once must not interleave their renames. */
  #saving: Promise<unknown> = Promise.resolve();

  /** `file` null: no desk file (open mode; saving is refused). */
  constructor(readonly file: string | null, initial: DeskConfig = file ? loadDeskConfig(file) : DEFAULT_DESK_CONFIG) {
    this.#config = initial;
  }

  current(): DeskConfig {
    return this.#config;
  }

  /** Whether reps must sign in (the config lists accounts). */
  accountsExist(): boolean {
    return this.#config.reps.length > 0;
  }

  onChange(listener: DeskChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Listens for saves on other nodes (Redis). */
  async connect(channel: DeskConfigChannel, onError: (err: unknown) => void): Promise<void> {
    this.#channel = channel;
    await channel.subscribe(() => {
      try {
        this.reload();
      } catch (err) {
        onError(err);
      }
    });
  }

  /** Reads the file again (another node saved it); a file that no longer validates is not applied. */
  reload(): void {
    if (!this.file) return;
    this.apply(loadDeskConfig(this.file));
  }

  /** Validates `input`, writes it (temp file + rename, same mode), applies it, tells the other nodes. */
  save(input: unknown): Promise<DeskConfig> {
    const run = this.#saving.then(() => this.#save(input));
    this.#saving = run.catch(() => {});
    return run;
  }

  async #save(input: unknown): Promise<DeskConfig> {
    if (!this.file) throw new Error('no DESK_CONFIG file to save to');
    const problems = deskConfigProblems(input);
    if (problems.length > 0) throw new DeskConfigInvalid(problems);
    const next = v.parse(DeskConfigSchema, input);
    await writeAtomically(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.apply(next);
    try {
      await this.#channel?.publish();
    } catch (err) {
      throw new DeskConfigNotAnnounced({ cause: err });
    }
    return next;
  }

  /** Applies a validated config and tells the listeners (a throwing listener does not stop the others). */
  apply(next: DeskConfig): void {
    const previous = this.#config;
    this.#config = next;
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  async close(): Promise<void> {
    await this.#channel?.close();
  }
}

/**
 * Replaces `file` with `text` so that a reader sees the old file or the new one, never half: a
 * temp file in the same directory (same file system), given the old file's mode (it may hold
 * password hashes: keep it as private as the administrator made it), then renamed over.
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const mode = await stat(file).then((s) => s.mode & 0o777, () => 0o600);
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, text, { mode, flag: 'wx' });
  try {
    await chmod(temp, mode); // the umask may have narrowed it
    await rename(temp, file);
  } catch (err) {
    await import('node:fs/promises').then((fs) => fs.rm(temp, { force: true }));
    throw err;
  }
}
