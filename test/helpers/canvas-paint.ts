import type { Page } from 'playwright-core';

/** What one chart canvas holds, read back from its pixels. */
export interface CanvasPaint {
  /** The canvas's aria-label. */
  readonly name: string;
  readonly width: number;
  /** Pixels drawn at all (not fully transparent). */
  readonly painted: number;
  /** Opaque pixels of exactly each colour asked for ("#24453a"). */
  readonly colours: Record<string, number>;
}

/**
 * Every canvas on the page, read back: a chart that threw, drew nothing or lost a series shows here,
 * whatever its table says.
 */
export async function canvasPaint(page: Page, colours: readonly string[]): Promise<CanvasPaint[]> {
  return page.evaluate(`(() => {
    const wanted = ${JSON.stringify(colours)};
    return [...document.querySelectorAll('canvas')].map((canvas) => {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = Object.fromEntries(wanted.map((colour) => [colour, 0]));
      let painted = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        painted += 1;
        const hex = '#' + [data[i], data[i + 1], data[i + 2]].map((value) => value.toString(16).padStart(2, '0')).join('');
        if (data[i + 3] === 255 && hex in colours) colours[hex] += 1;
      }
      return { name: canvas.getAttribute('aria-label'), width: canvas.width, painted, colours };
    });
  })()`) as Promise<CanvasPaint[]>;
}
