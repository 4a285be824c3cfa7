/**
 * The Usage chart as uPlot options and data, built without a DOM (tested like the Monitor's):
 * spans per UTC day — accepted, dropped by tail sampling, and rejected by reason. It reuses the
 * Monitor's palette, axis numbers and lone-point dots, so both pages' charts read alike; a theme
 * change is a rebuild with another palette.
 */
import type uPlot from "uplot";
import { axisNumber, lonePoints, withAlpha, type ChartPalette } from "../monitor/charts";
import { formatCount } from "../monitor/format";
import { CHART_SERIES, chartColumns, dayLabel, type ChartSeriesKey, type DayRow } from "./usage";

export function usageChartData(rows: readonly DayRow[]): uPlot.AlignedData {
  const { time, values } = chartColumns(rows);
  return [time, ...CHART_SERIES.map((s) => values[s.key])];
}

/** Each series' stroke (and dash): accepted is the page's accent, refusals the warning colours. */
function style(key: ChartSeriesKey, palette: ChartPalette): { stroke: string; dash?: number[]; fill?: string } {
  switch (key) {
    case "accepted":
      return { stroke: palette.accent, fill: withAlpha(palette.accent, 0.12) };
    case "dropped":
      return { stroke: palette.muted, dash: [6, 4] };
    case "invalid":
      return { stroke: palette.danger };
    case "overLimit":
      return { stroke: palette.warn };
    case "overQuota":
      return { stroke: palette.danger, dash: [3, 3] };
    case "tooLarge":
      return { stroke: palette.text, dash: [2, 4] };
  }
}

export function usageChartOptions(rows: readonly DayRow[], palette: ChartPalette, size: { width: number; height: number }): uPlot.Options {
  const font = `12px ${palette.fontFamily}`;
  const axis = (extra: uPlot.Axis = {}): uPlot.Axis => ({
    stroke: palette.muted,
    font,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid, width: 1, size: 4 },
    ...extra,
  });
  const series: uPlot.Series[] = [
    { label: "Day", value: (_u, v) => (v === null || v === undefined ? "–" : dayLabel(new Date(v * 1000).toISOString().slice(0, 10))) },
    ...CHART_SERIES.map(({ key, label }): uPlot.Series => {
      const { stroke, dash, fill } = style(key, palette);
      return {
        label,
        stroke,
        width: 1.75,
        ...(dash ? { dash } : {}),
        ...(fill ? { fill } : {}),
        value: (_u, v) => (v === null || v === undefined ? "–" : formatCount(v)),
        points: { show: true, size: 5, fill: stroke, filter: (u, seriesIdx) => lonePoints(u.data[seriesIdx] ?? []) },
      };
    }),
  ];
  return {
    width: size.width,
    height: size.height,
    series,
    // Days are UTC: label the axis in UTC too, so a day's point sits under its own date.
    tzDate: (ts) => new Date(new Date(ts * 1000).toISOString().slice(0, 19)),
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Number.isFinite(max) && max > 0 ? max * 1.12 : 1] } },
    axes: [axis({ space: 60 }), axis({ size: 60, values: (_u, splits) => splits.map((v) => axisNumber(v)) })],
    cursor: { points: { size: 7 }, drag: { x: false, y: false } },
    legend: { live: true },
  };
}
