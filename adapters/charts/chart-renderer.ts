import type { ChartConfiguration, ChartItem, Plugin, Scale } from "chart.js";
import type { BarChartInput, ChartRenderer, LineChartInput } from "../../core/ports/chart.port.js";

type Drawing = { Chart: typeof import("chart.js").Chart; createCanvas: typeof import("@napi-rs/canvas").createCanvas };
let drawing: Promise<Drawing> | undefined;

/**
 * chart.js and the Skia canvas (a native module) are imported on the first chart, not at start-up:
 * a process that never draws one never loads them.
 */
function loadDrawing(): Promise<Drawing> {
  drawing ??= Promise.all([import("chart.js"), import("@napi-rs/canvas")]).then(([c, { createCanvas }]) => {
    c.Chart.register(c.LineController, c.LineElement, c.PointElement, c.LinearScale, c.Title, c.SubTitle, c.Legend, c.Filler, c.BarController, c.BarElement, c.CategoryScale);
    return { Chart: c.Chart, createCanvas };
  });
  drawing.catch(() => (drawing = undefined)); // a failed load is tried again on the next chart
  return drawing;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const UP = "#16a34a";
const DOWN = "#dc2626";
const COMPARE = "#6b7280";
const TEXT = "#111827";
const MUTED = "#4b5563";
const GRID = "#e5e7eb";
/** DejaVu ships with most Linux images; the rest are fallbacks Skia resolves through fontconfig. */
const FONT_FAMILY = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

type Point = { t: number; v: number };

/** Decimals needed to tell apart values `step` apart (0.5 -> 1, 0.000002 -> 6, 250 -> 0). */
export function decimalsForStep(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 2;
  let d = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  while (d < 12) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) break;
    d++;
  }
  return d;
}

/**
 * Axis value label: thousands separators for large numbers, enough decimals for tiny ones
 * (BONK at 0.00002), compact notation from a million up. `step` is the distance between ticks.
 */
export function formatAxisValue(value: number, step: number): string {
  const mag = Math.max(Math.abs(value), step);
  if (mag >= 1e6) {
    return new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 }).format(value);
  }
  const d = decimalsForStep(step);
  return new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }).format(value);
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * Time axis label in UTC: `14:00` (and the date at midnight) for ranges up to two days,
 * `Jan 5` up to about a year, `Mar 2025` beyond.
 */
export function formatTimeTick(t: number, rangeMs: number): string {
  const d = new Date(t);
  const date = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  if (rangeMs <= 2 * DAY) {
    const midnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0;
    return midnight ? date : `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  }
  if (rangeMs <= 400 * DAY) return date;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

const FIXED_STEPS = [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY];
const MONTH_STEPS = [1, 2, 3, 6, 12, 24, 60];

/** Tick times on round UTC hours, days, weeks or months, at most `maxTicks` of them. */
export function timeTicks(min: number, max: number, maxTicks: number): number[] {
  const range = max - min;
  if (!(range > 0)) return [min];
  // Beyond two days labels are dates, so steps shorter than a day would repeat a label.
  const fixed = FIXED_STEPS.find((s) => range / s <= maxTicks && (range <= 2 * DAY || s >= DAY));
  if (fixed !== undefined) {
    const ticks: number[] = [];
    for (let t = Math.ceil(min / fixed) * fixed; t <= max; t += fixed) ticks.push(t);
    return ticks;
  }
  const months = MONTH_STEPS.find((m) => range / (m * 30.44 * DAY) <= maxTicks) ?? 120;
  const start = new Date(min);
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  m = Math.ceil(m / months) * months; // align to quarters, halves, years
  const ticks: number[] = [];
  for (;;) {
    const t = Date.UTC(y, m, 1);
    if (t > max) break;
    if (t >= min) ticks.push(t);
    m += months;
    if (m >= 12) {
      y += Math.floor(m / 12);
      m %= 12;
    }
  }
  return ticks;
}

function checkPoints(points: ReadonlyArray<Point> | undefined, what: string): Point[] {
  if (!Array.isArray(points) || points.length === 0) throw new Error(`chart ${what} has no points`);
  points.forEach((p, i) => {
    if (!p || !Number.isFinite(p.t) || !Number.isFinite(p.v)) {
      throw new Error(`chart ${what} point ${i} is not a finite number (t=${p?.t}, v=${p?.v})`);
    }
  });
  return [...points].sort((a, b) => a.t - b.t);
}

function checkSize(value: number | undefined, fallback: number, what: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 100 || n > 4000) throw new Error(`chart ${what} must be an integer 100..4000, got ${n}`);
  return n;
}

const whiteBackground: Plugin<"line"> = {
  id: "purserWhiteBackground",
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

const tickStep = (ticks: ReadonlyArray<{ value: number }>) =>
  ticks.length > 1 ? Math.abs(ticks[1]!.value - ticks[0]!.value) : Math.abs(ticks[0]?.value ?? 1) / 10;

type LineData = { x: number; y: number }[];
type LineDatasets = ChartConfiguration<"line", LineData>["data"]["datasets"];
type LineOptions = NonNullable<ChartConfiguration<"line", LineData>["options"]>;

/** The time axis bounds: both series are sorted, so their ends bound it; a single instant gets an hour either side. */
function timeWindow(points: Point[], compare: Point[] | undefined): { minT: number; maxT: number } {
  const firstT = points[0]?.t ?? 0;
  const lastT = points[points.length - 1]?.t ?? firstT;
  let minT = Math.min(firstT, compare?.[0]?.t ?? firstT);
  let maxT = Math.max(lastT, compare?.[compare.length - 1]?.t ?? lastT);
  if (minT === maxT) {
    minT -= HOUR;
    maxT += HOUR;
  }
  return { minT, maxT };
}

const dot = (n: number) => (n <= 2 ? 4 : 0);

/** The main series (green when it ended at or above where it began, red otherwise) and the optional grey comparison. */
function lineDatasets(input: LineChartInput, points: Point[], compare: Point[] | undefined): LineDatasets {
  const firstV = points[0]?.v ?? 0;
  const lastV = points[points.length - 1]?.v ?? firstV;
  const colour = lastV >= firstV ? UP : DOWN;
  const datasets: LineDatasets = [
    {
      label: input.title,
      data: points.map((p) => ({ x: p.t, y: p.v })),
      borderColor: colour,
      backgroundColor: `${colour}1f`,
      borderWidth: 3,
      pointRadius: dot(points.length),
      pointBackgroundColor: colour,
      // A tinted area reads well alone; under a comparison line it would tint the grey.
      fill: compare ? false : "start",
      tension: 0,
      order: 1,
    },
  ];
  if (compare && input.compare) {
    datasets.push({
      label: input.compare.label,
      data: compare.map((p) => ({ x: p.t, y: p.v })),
      borderColor: COMPARE,
      backgroundColor: COMPARE,
      borderWidth: 2.5,
      borderDash: [8, 5],
      pointRadius: dot(compare.length),
      fill: false,
      tension: 0,
      order: 2,
    });
  }
  return datasets;
}

type LineLayout = { minT: number; maxT: number; width: number; height: number; scaleFont: number };

/** UTC time axis below, value axis (with its optional label) on the left. */
function lineScales(input: LineChartInput, { minT, maxT, width, height, scaleFont }: LineLayout): LineOptions["scales"] {
  const rangeMs = maxT - minT;
  const maxTimeTicks = Math.max(2, Math.floor(width / 130));
  return {
    x: {
      type: "linear",
      min: minT,
      max: maxT,
      grid: { color: GRID },
      border: { color: MUTED },
      title: { display: true, text: "UTC", color: MUTED, font: { family: FONT_FAMILY, size: scaleFont - 2 } },
      afterBuildTicks: (scale: Scale) => {
        scale.ticks = timeTicks(minT, maxT, maxTimeTicks).map((value) => ({ value }));
      },
      ticks: {
        color: TEXT,
        maxRotation: 0,
        autoSkip: true,
        font: { family: FONT_FAMILY, size: scaleFont },
        callback: (value) => formatTimeTick(Number(value), rangeMs),
      },
    },
    y: {
      type: "linear",
      grace: "5%",
      grid: { color: GRID },
      border: { color: MUTED },
      title: {
        display: Boolean(input.valueLabel),
        text: input.valueLabel ?? "",
        color: MUTED,
        font: { family: FONT_FAMILY, size: scaleFont - 2 },
      },
      ticks: {
        color: TEXT,
        maxTicksLimit: Math.max(4, Math.floor(height / 70)),
        font: { family: FONT_FAMILY, size: scaleFont },
        callback: (value, _index, ticks) => formatAxisValue(Number(value), tickStep(ticks)),
      },
    },
  };
}

/** Title, optional subtitle, and a legend only when there is a comparison to tell apart. */
function linePlugins(input: LineChartInput, hasCompare: boolean, scaleFont: number): LineOptions["plugins"] {
  return {
    title: {
      display: true,
      text: input.title,
      color: TEXT,
      font: { family: FONT_FAMILY, size: scaleFont + 8, weight: "bold" },
      padding: { top: 6, bottom: input.subtitle ? 2 : 10 },
    },
    subtitle: {
      display: Boolean(input.subtitle),
      text: input.subtitle ?? "",
      color: MUTED,
      font: { family: FONT_FAMILY, size: scaleFont },
      padding: { bottom: 10 },
    },
    legend: {
      display: hasCompare,
      position: "top",
      labels: { color: TEXT, font: { family: FONT_FAMILY, size: scaleFont }, boxWidth: 28, boxHeight: 3 },
    },
  };
}

/** Draws a chart.js configuration on a Skia canvas of the given size and encodes it as PNG. */
async function renderPng(width: number, height: number, config: ChartConfiguration<"line", LineData> | ChartConfiguration<"bar", number[]>): Promise<Uint8Array> {
  const { Chart, createCanvas } = await loadDrawing();
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  // chart.js takes any 2D context; outside a DOM it uses its BasicPlatform and draws synchronously.
  const chart = new Chart(ctx as unknown as ChartItem, config as ChartConfiguration);
  try {
    return await canvas.encode("png");
  } finally {
    chart.destroy();
  }
}

/**
 * Line charts drawn with chart.js on @napi-rs/canvas (Skia), in-process: no browser, no DOM.
 * White background, UTC time axis, green when the series ended at or above where it began,
 * red otherwise, an optional grey comparison series with a legend.
 */
export class PngChartRenderer implements ChartRenderer {
  async lineChart(input: LineChartInput): Promise<Uint8Array> {
    if (!input || typeof input !== "object") throw new Error("chart input is missing");
    const points = checkPoints(input.points, "series");
    const compare = input.compare ? checkPoints(input.compare.points, `compare series "${input.compare.label}"`) : undefined;
    const width = checkSize(input.width, 800, "width");
    const height = checkSize(input.height, 450, "height");
    const { minT, maxT } = timeWindow(points, compare);
    const scaleFont = Math.round(Math.max(12, Math.min(18, width / 50)));
    const config: ChartConfiguration<"line", LineData> = {
      type: "line",
      data: { datasets: lineDatasets(input, points, compare) },
      plugins: [whiteBackground],
      options: {
        responsive: false,
        animation: false,
        parsing: false,
        normalized: true,
        devicePixelRatio: 1,
        events: [],
        layout: { padding: { left: 8, right: 20, top: 8, bottom: 8 } },
        scales: lineScales(input, { minT, maxT, width, height, scaleFont }),
        plugins: linePlugins(input, Boolean(compare), scaleFont),
      },
    };
    return renderPng(width, height, config);
  }

  /** Grouped bars (e.g. allocation target / before / after per asset). */
  async barChart(input: BarChartInput): Promise<Uint8Array> {
    if (!input?.labels?.length || !input.series?.length) throw new Error("bar chart needs labels and at least one series");
    for (const s of input.series) {
      if (s.values.length !== input.labels.length || s.values.some((v) => !Number.isFinite(v))) throw new Error(`bar series "${s.label}" must have a finite value per label`);
    }
    const width = checkSize(input.width, 800, "width");
    const height = checkSize(input.height, 450, "height");
    const palette = [COMPARE, "#2563eb", UP, DOWN];
    const config: ChartConfiguration<"bar", number[]> = {
      type: "bar",
      data: {
        labels: [...input.labels],
        datasets: input.series.map((s, i) => ({ label: s.label, data: [...s.values], backgroundColor: palette[i % palette.length]! })),
      },
      plugins: [whiteBackground as unknown as Plugin<"bar">],
      options: {
        responsive: false,
        animation: false,
        devicePixelRatio: 1,
        plugins: {
          legend: { display: true, position: "bottom" },
          title: { display: true, text: input.title, font: { size: 20, weight: "bold" }, color: "#111827" },
          subtitle: { display: Boolean(input.subtitle), text: input.subtitle ?? "", color: "#4b5563" },
        },
        scales: { y: { beginAtZero: true, ticks: { color: "#374151" } }, x: { ticks: { color: "#374151" } } },
      },
    };
    return renderPng(width, height, config);
  }
}
