// Enterprises graded B, C and D per area, stacked: where the weaker grades are. A (nearly
// everyone) would flatten the other bars to nothing, so it is in the tooltip only.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("grade-chart");
  if (!el || !window.echarts) return;
  const rows = JSON.parse(el.dataset.rows);
  const colours = { B: "#2874a6", C: "#b9770e", D: "#c0392b" };
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 56, right: 24, top: 36, bottom: 56 },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: (ps) => {
        const r = rows[ps[0].dataIndex];
        return `${r.name}<br>A ${r.A} · B ${r.B} · C ${r.C} · D ${r.D}`;
      },
    },
    legend: { data: ["B", "C", "D"] },
    xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: ["B", "C", "D"].map((g) => ({
      name: g, type: "bar", stack: "grades", itemStyle: { color: colours[g] },
      data: rows.map((r) => r[g]),
    })),
  });
  el.dataset.ready = "true";
});
