/**
 * Series styles for the report's charts. The colours are Okabe and Ito's palette, chosen so that
 * readers with the common forms of colour blindness can still tell them apart (yellow left out:
 * it vanishes on white). Past the seventh series the colours repeat with a different dash, so
 * every series of a chart still has a style of its own.
 */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#000000'] as const;
const DASHES = ['', '6 3', '2 3', '8 3 2 3'] as const;

export interface SeriesStyle {
  readonly color: string;
  /** An SVG stroke-dasharray; '' for a solid line. */
  readonly dash: string;
}

export function styleAt(index: number): SeriesStyle {
  return { color: PALETTE[index % PALETTE.length]!, dash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length]! };
}

/**
 * Styles by name, handed out in first-asked order: charts that share one (small multiples, one
 * panel per entry size) draw the same configuration in the same style in every panel.
 */
export class StyleBook {
  private readonly styles = new Map<string, SeriesStyle>();

  of(name: string): SeriesStyle {
    let style = this.styles.get(name);
    if (style === undefined) {
      style = styleAt(this.styles.size);
      this.styles.set(name, style);
    }
    return style;
  }
}
