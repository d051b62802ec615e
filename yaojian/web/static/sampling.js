// The sampling pass rate per area against the plan's target (≥ 99.5 %). Areas without a
// tested sample are drawn empty rather than as 0 %, which would read as a failure.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("pass-rate-chart");
  if (!el || !window.echarts) return;
  const rows = JSON.parse(el.dataset.rows);
  const target = Number(el.dataset.target) * 100;
  const rates = rows.map((r) => (r.rate === null ? null : r.rate * 100));
  const lowest = Math.min(target, ...rates.filter((v) => v !== null));
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 56, right: 48, top: 24, bottom: 56 },
    tooltip: {
      trigger: "axis",
      formatter: (ps) => {
        const r = rows[ps[0].dataIndex];
        const rate = r.rate === null ? "—" : `${(r.rate * 100).toFixed(2)}%`;
        return `${r.name}<br>${el.dataset.label} ${rate}<br>${r.tested} / ${r.failed}`;
      },
    },
    xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { rotate: 30 } },
    yAxis: { type: "value", name: el.dataset.label, max: 100, min: Math.max(0, Math.floor(lowest - 2)),
      axisLabel: { formatter: "{value}%" } },
    series: [{
      type: "bar",
      data: rates.map((v) => ({ value: v === null ? null : Number(v.toFixed(2)),
        itemStyle: { color: v !== null && v >= target ? "#1e8449" : "#c0392b" } })),
      markLine: { symbol: "none", lineStyle: { color: "#b9770e", type: "dashed" }, data: [{ yAxis: target }] },
    }],
  });
  el.dataset.ready = "true";
});
