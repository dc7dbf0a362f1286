/**
 * The customer's browser and OS, read from the user agent their hello carried. The string is
 * the peer's choice: anything may come back, and callers treat the result as untrusted text.
 */
import Bowser from 'bowser';

export interface Device {
  browser?: string;
  os?: string;
}

export function parseUserAgent(userAgent: string | undefined): Device | undefined {
  if (!userAgent) return undefined;
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, parsed.browser.version].filter(Boolean).join(' ') || undefined;
  const os = [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(' ') || undefined;
  return browser || os ? { browser, os } : undefined;
}

/** "Chrome 126.0.0.0 / Windows 10", or undefined when nothing was recognised. */
export function describeUserAgent(userAgent: string | undefined): string | undefined {
  const device = parseUserAgent(userAgent);
  return device ? `${device.browser ?? '?'} / ${device.os ?? '?'}` : undefined;
}
