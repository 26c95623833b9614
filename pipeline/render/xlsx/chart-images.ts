/**
 * The report's charts as PNG for the Summary sheet: exceljs cannot draw native charts, so the
 * same ECharts SVGs the PDF inlines are rasterised with resvg (Rust, no browser). Fonts come from
 * the system, Noto Sans CJK first, so Chinese labels render; the PNG is drawn at twice the
 * displayed size so it stays sharp when zoomed or printed. resvg is deterministic, so the
 * workbook stays byte-stable.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportModel } from '../../transform/index.js';
import type { Locale } from '../strings.js';
import type { ChartImage } from './summary-sheet.js';

const SCALE = 2;
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/System/Library/Fonts', '/Library/Fonts'];
const CJK_FONT = /^(NotoSansCJK|NotoSansSC|SourceHanSans).*\.(ttc|otf|ttf)$/i;

let fontFiles: string[] | undefined;

/**
 * The CJK sans font files, found once per process: loading every system font costs resvg about
 * half a second per chart, loading just these a tenth of that. None found: system fonts.
 */
function cjkFontFiles(): string[] {
  if (fontFiles) return fontFiles;
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && depth < 4) walk(path, depth + 1);
      else if (CJK_FONT.test(entry.name)) found.push(path);
    }
  };
  for (const dir of FONT_DIRS) walk(dir, 0);
  fontFiles = found.sort();
  return fontFiles;
}

export async function renderChartImages(model: ReportModel, locale: Locale): Promise<ChartImage[]> {
  const [{ renderChartSvgs }, { renderAsync }] = await Promise.all([
    import('../charts.js'),
    import('@resvg/resvg-js'),
  ]);
  const svgs = await renderChartSvgs(model, locale);
  const files = cjkFontFiles();
  const fonts = files.length > 0 ? { loadSystemFonts: false, fontFiles: files } : { loadSystemFonts: true };
  // resvg parses the CJK font files for every image (about 1.3 s each here): rasterise the charts
  // on libuv's thread pool at once rather than one after another on the main thread.
  return Promise.all(
    svgs.map(async (chart) => {
      const image = await renderAsync(chart.svg, {
        fitTo: { mode: 'width', value: chart.width * SCALE },
        background: '#ffffff',
        font: {
          ...fonts,
          defaultFontFamily: 'Noto Sans CJK SC',
          sansSerifFamily: 'Noto Sans CJK SC',
        },
      });
      return { title: chart.title, png: image.asPng(), width: chart.width, height: chart.height };
    }),
  );
}
