import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { formatAxisValue, formatTimeTick, PngChartRenderer } from "../../../adapters/charts/chart-renderer.js";
import type { LineChartInput } from "../../../core/ports/chart.port.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 1);
const renderer = new PngChartRenderer();

/** A wavy series from `from` to `to` over `n` hourly points. */
const series = (n: number, from: number, to: number) =>
  Array.from({ length: n }, (_, i) => ({
    t: T0 + i * HOUR,
    v: from + ((to - from) * i) / (n - 1) + Math.sin(i / 5) * Math.abs(to - from) * 0.1,
  }));

interface Pixels {
  width: number;
  height: number;
  colours: number;
  green: number;
  red: number;
  grey: number;
  /** Rows (as a fraction of the height) between the highest and lowest green or red pixel. */
  lineSpan: number;
  corner: [number, number, number, number];
}

async function render(input: LineChartInput): Promise<Pixels> {
  const bytes = await renderer.lineChart(input);
  expect(bytes).toBeInstanceOf(Uint8Array);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const png = PNG.sync.read(Buffer.from(bytes));
  const seen = new Set<number>();
  let green = 0;
  let red = 0;
  let grey = 0;
  let top = Number.POSITIVE_INFINITY;
  let bottom = -1;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      seen.add((r << 16) | (g << 8) | b);
      // Saturated line colours, not the pale fill under the line.
      const isGreen = g > 120 && g - r > 60 && g - b > 40;
      const isRed = r > 180 && r - g > 100 && r - b > 100;
      if (isGreen) green++;
      if (isRed) red++;
      if (Math.abs(r - 0x6b) <= 4 && Math.abs(g - 0x72) <= 4 && Math.abs(b - 0x80) <= 4) grey++; // #6b7280
      if (isGreen || isRed) {
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return {
    width: png.width,
    height: png.height,
    colours: seen.size,
    green,
    red,
    grey,
    lineSpan: bottom < 0 ? 0 : (bottom - top) / png.height,
    corner: [png.data[0]!, png.data[1]!, png.data[2]!, png.data[3]!],
  };
}

describe("PNG line charts", () => {
  it("draws a rising series in green on white at 800x450 by default", async () => {
    const px = await render({ title: "SOL 7d", subtitle: "replay, Binance 2025", valueLabel: "USD", points: series(169, 180, 200) });
    expect([px.width, px.height]).toEqual([800, 450]);
    expect(px.corner).toEqual([255, 255, 255, 255]);
    expect(px.colours).toBeGreaterThan(50); // text, grid, antialiased line: not a blank or flat image
    expect(px.green).toBeGreaterThan(500);
    expect(px.red).toBe(0);
    expect(px.lineSpan).toBeGreaterThan(0.3); // the axis fits the data, not 0..max
  });

  it("draws a falling series in red", async () => {
    const px = await render({ title: "WBTC 90d", points: series(90, 100_000, 80_000) });
    expect(px.red).toBeGreaterThan(500);
    expect(px.green).toBe(0);
  });

  it("honours a requested size", async () => {
    const px = await render({ title: "JUP", points: series(24, 1, 1.2), width: 600, height: 600 });
    expect([px.width, px.height]).toEqual([600, 600]);
  });

  it("scales the axis to BONK prices around 0.00002 instead of flattening them", async () => {
    // A 10% move: on an axis from zero (or with the values rounded away) the line would be nearly flat.
    const px = await render({ title: "BONK 7d", points: series(169, 0.00002, 0.000018) });
    expect(px.red).toBeGreaterThan(500);
    expect(px.lineSpan).toBeGreaterThan(0.3);
  });

  it("adds a grey comparison series with a legend", async () => {
    const main = series(100, 100, 120);
    const without = await render({ title: "Backtest", points: main });
    const withCompare = await render({
      title: "Backtest",
      points: main,
      compare: { label: "buy & hold", points: main.map((p, i) => ({ t: p.t, v: 100 + i * 0.05 })) },
    });
    expect(withCompare.grey).toBeGreaterThan(without.grey + 300);
    expect(withCompare.green).toBeGreaterThan(500);
  });

  it("draws a single point without failing", async () => {
    const px = await render({ title: "SOL", points: [{ t: T0, v: 150 }] });
    expect(px.green).toBeGreaterThan(10);
  });

  it("refuses empty or non-numeric input with a clear error", async () => {
    await expect(renderer.lineChart({ title: "SOL", points: [] })).rejects.toThrow(/no points/);
    await expect(renderer.lineChart({ title: "SOL", points: [{ t: T0, v: Number.NaN }] })).rejects.toThrow(/point 0 is not a finite number/);
    await expect(renderer.lineChart({ title: "SOL", points: [{ t: Number.NaN, v: 1 }] })).rejects.toThrow(/not a finite/);
    await expect(
      renderer.lineChart({ title: "SOL", points: [{ t: T0, v: 1 }], compare: { label: "hold", points: [] } }),
    ).rejects.toThrow(/compare series "hold" has no points/);
    await expect(renderer.lineChart({ title: "SOL", points: [{ t: T0, v: 1 }], width: 0 })).rejects.toThrow(/width/);
  });
});

describe("chart axis labels", () => {
  it("shows BONK, SOL and BTC prices readably", () => {
    expect(formatAxisValue(0.00002, 0.000002)).toBe("0.000020");
    expect(formatAxisValue(0.000034, 0.000002)).toBe("0.000034");
    expect(formatAxisValue(192.5, 0.5)).toBe("192.5");
    expect(formatAxisValue(1.001, 0.0005)).toBe("1.0010");
    expect(formatAxisValue(100_000, 10_000)).toBe("100,000");
    expect(formatAxisValue(2_500_000, 500_000)).toBe("2.5M");
  });

  it("labels hours within two days and dates beyond (UTC)", () => {
    expect(formatTimeTick(T0 + 14 * HOUR, DAY)).toBe("14:00");
    expect(formatTimeTick(T0 + DAY, DAY)).toBe("Jan 2");
    expect(formatTimeTick(T0 + 5 * DAY + 14 * HOUR, 7 * DAY)).toBe("Jan 6");
    expect(formatTimeTick(Date.UTC(2025, 2, 1), 90 * DAY)).toBe("Mar 1");
    expect(formatTimeTick(Date.UTC(2024, 2, 1), 800 * DAY)).toBe("Mar 2024");
  });
});
