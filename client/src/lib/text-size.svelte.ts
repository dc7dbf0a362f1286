/**
 * The chat's text size (log and message box), a few steps around the page's own size,
 * remembered in this browser and applied as the `--chat-scale` CSS variable on the page.
 */
export const TEXT_SCALES = [0.875, 1, 1.125, 1.25, 1.5] as const;
const NORMAL = 1;

export class TextSize {
  step = $state(NORMAL);

  constructor(private readonly storageKey: string) {
    this.step = read(storageKey);
    this.apply();
  }

  get scale(): number {
    return TEXT_SCALES[this.step] ?? 1;
  }

  get canShrink(): boolean {
    return this.step > 0;
  }

  get canGrow(): boolean {
    return this.step < TEXT_SCALES.length - 1;
  }

  smaller(): void {
    this.set(this.step - 1);
  }

  larger(): void {
    this.set(this.step + 1);
  }

  private set(step: number): void {
    this.step = Math.min(TEXT_SCALES.length - 1, Math.max(0, step));
    try {
      localStorage.setItem(this.storageKey, String(this.step));
    } catch {
      // storage blocked: the size holds until the page is closed
    }
    this.apply();
  }

  private apply(): void {
    document.documentElement.style.setProperty('--chat-scale', String(this.scale));
  }
}

function read(key: string): number {
  try {
    const step = Number(localStorage.getItem(key) ?? NORMAL);
    return Number.isInteger(step) && step >= 0 && step < TEXT_SCALES.length ? step : NORMAL;
  } catch {
    return NORMAL;
  }
}
