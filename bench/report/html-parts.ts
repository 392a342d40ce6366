import type { SeriesStyle } from './palette.js';
import { escapeXml } from './chart-frame.js';

/** Small HTML builders shared by the report's sections. Everything passed as text is escaped here. */

export interface Section {
  /** The anchor of the section, also its data-section attribute (tests look sections up by it). */
  readonly id: string;
  readonly title: string;
  /** Trusted HTML, built from escaped parts. */
  readonly body: string;
}

export function renderSection(section: Section): string {
  return `<section id="${escapeXml(section.id)}" data-section="${escapeXml(section.id)}"><h2>${escapeXml(section.title)}</h2>\n${section.body}\n</section>`;
}

export function paragraph(text: string, className?: string): string {
  return `<p${className ? ` class="${className}"` : ''}>${escapeXml(text)}</p>`;
}

/** A heading for one chart: the question it answers, so a reader can skim the page by questions. */
export function question(text: string): string {
  return `<h3>${escapeXml(text)}</h3>`;
}

/** A table of text cells; the first column is left-aligned, the others right-aligned (figures). */
export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>, className = ''): string {
  const cells = (row: readonly string[], tag: 'td' | 'th') => row.map((cell) => `<${tag}>${escapeXml(cell)}</${tag}>`).join('');
  return `<table class="${className}"><thead><tr>${cells(head, 'th')}</tr></thead><tbody>${rows.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('')}</tbody></table>`;
}

/** One legend for a row of charts that share their series' styles. */
export function sharedLegend(entries: ReadonlyArray<{ name: string; style: SeriesStyle }>): string {
  return `<div class="legend">${entries
    .map(
      ({ name, style }) =>
        `<span class="legend-entry" data-series="${escapeXml(name)}"><svg width="28" height="10" aria-hidden="true"><line x1="2" x2="26" y1="5" y2="5" stroke="${style.color}" stroke-width="3"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/></svg>${escapeXml(name)}</span>`,
    )
    .join('')}</div>`;
}

/** Charts side by side, wrapping onto more rows on a narrow page. */
export function panels(charts: readonly string[]): string {
  return `<div class="panels">${charts.join('')}</div>`;
}
