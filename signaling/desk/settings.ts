/**
 * The live desk settings (protocol/desk-config.ts) as the queue engine reads them. Until a desk
 * config file is loaded (the accounts work plugs its loader in with `setDeskSettingsSource`),
 * the defaults: open mode, one queue `general`, the default portal settings.
 */
import * as v from 'valibot';
import { DeskConfigSchema, type DeskConfig } from '../../protocol/desk-config.ts';

const DEFAULTS: DeskConfig = v.parse(DeskConfigSchema, {});
let source: () => DeskConfig = () => DEFAULTS;

/** The desk config in force now (read on every use: a reload takes effect at once). */
export function deskSettings(): DeskConfig {
  return source();
}

/** Where `deskSettings` reads from (the config file loader; tests). */
export function setDeskSettingsSource(read: () => DeskConfig): void {
  source = read;
}

/** Open mode: no rep accounts, anyone who says `desk-hello` is a rep serving every queue. */
export function isOpenMode(config: DeskConfig = deskSettings()): boolean {
  return config.reps.length === 0;
}
