export interface LineChartInput {
  title: string;
  subtitle?: string;
  /** Points in time order: epoch ms and value. */
  points: ReadonlyArray<{ t: number; v: number }>;
  /** Second series drawn beside the first (e.g. buy-and-hold), same time axis. */
  compare?: { label: string; points: ReadonlyArray<{ t: number; v: number }> };
  valueLabel?: string;
  width?: number;
  height?: number;
}

export interface BarChartInput {
  title: string;
  subtitle?: string;
  labels: readonly string[];
  /** One or more series over the labels (e.g. target, before, after), in percent or USD. */
  series: ReadonlyArray<{ label: string; values: readonly number[] }>;
  width?: number;
  height?: number;
}

/** Renders charts to PNG bytes in-process (no browser). */
export interface ChartRenderer {
  lineChart(input: LineChartInput): Promise<Uint8Array>;
  barChart(input: BarChartInput): Promise<Uint8Array>;
}
