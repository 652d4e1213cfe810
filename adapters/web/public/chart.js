// The portfolio's value over time, drawn by uPlot into a container that follows its width.
import { useEffect, useRef } from "/web/vendor/preact-hooks.mjs";
import uPlot from "/web/vendor/uplot.mjs";
import { html } from "./ui.js";

export function ValueChart({ points }) {
  const box = useRef(null);
  useEffect(() => {
    const el = box.current;
    if (!el || points.length < 2) return undefined;
    const xs = points.map((p) => (typeof p.t === "number" ? (p.t > 1e12 ? p.t / 1000 : p.t) : Date.parse(p.t) / 1000));
    const ys = points.map((p) => Number(p.valueUsd));
    const width = () => Math.max(240, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [{ stroke: "#889" }, { stroke: "#889", size: 76, values: (_u, v) => v.map((n) => `$${n.toLocaleString("en-US", { maximumFractionDigits: 2 })}`) }],
        series: [{}, { label: "Value (USD)", stroke: "#3b82f6", width: 2, fill: "rgba(59,130,246,0.12)" }],
      },
      [xs, ys],
      el,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [points]);
  if (points.length < 2) return html`<p class="muted">The chart appears once there are two or more value points.</p>`;
  return html`<div class="chart" ref=${box} role="img" aria-label="Portfolio value over time"></div>`;
}
