/**
 * Browser and operating system from a user-agent string, for the rep's details panel ("Firefox
 * 140", "Windows 10/11"). Covers the browsers and systems customers use; anything else reads
 * as "Other". Order matters: Edge, Opera, Samsung Internet and others also say "Chrome", and
 * every iOS browser says "Safari".
 */
export interface Platform {
  browser: string;
  os: string;
}

const BROWSERS: readonly [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/OPR\/(\d+)|Opera\/.*Version\/(\d+)/, 'Opera'],
  [/SamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/YaBrowser\/(\d+)/, 'Yandex'],
  [/Vivaldi\/(\d+)/, 'Vivaldi'],
  [/FxiOS\/(\d+)/, 'Firefox'],
  [/CriOS\/(\d+)/, 'Chrome'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/Chrom(?:e|ium)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)(?:\.\d+)*.*Safari\//, 'Safari'],
  [/MSIE (\d+)|Trident\/.*rv:(\d+)/, 'Internet Explorer'],
];

export function parseUserAgent(ua: string): Platform {
  return { browser: browserOf(ua), os: osOf(ua) };
}

function browserOf(ua: string): string {
  for (const [re, name] of BROWSERS) {
    const match = re.exec(ua);
    if (match) {
      const version = match.slice(1).find((part) => part !== undefined);
      return version ? `${name} ${version}` : name;
    }
  }
  return 'Other';
}

function osOf(ua: string): string {
  let match: RegExpExecArray | null;
  if ((match = /Windows NT (\d+\.\d+)/.exec(ua))) {
    // Windows 11 still says "NT 10.0" in the user agent: only client hints tell them apart.
    const names: Record<string, string> = { '10.0': 'Windows 10/11', '6.3': 'Windows 8.1', '6.2': 'Windows 8', '6.1': 'Windows 7' };
    return names[match[1]!] ?? 'Windows';
  }
  if ((match = /(?:iPhone|iPad|iPod).*? OS (\d+)[_.](\d+)/.exec(ua))) return `iOS ${match[1]}.${match[2]}`;
  if ((match = /Android (\d+(?:\.\d+)?)/.exec(ua))) return `Android ${match[1]}`;
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if ((match = /Mac OS X (\d+)[_.](\d+)/.exec(ua))) return `macOS ${match[1]}.${match[2]}`;
  if (/Macintosh/.test(ua)) return 'macOS';
  if (/Ubuntu/.test(ua)) return 'Ubuntu';
  if (/Linux/.test(ua)) return 'Linux';
  return 'Other';
}
