// Current credit grades per area, stacked A–D: where the C and D enterprises are.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("grade-chart");
  if (!el || !window.echarts) return;
  const rows = JSON.parse(el.dataset.rows);
  const colours = { A: "#1e8449", B: "#2874a6", C: "#b9770e", D: "#c0392b" };
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 56, right: 24, top: 36, bottom: 56 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: ["A", "B", "C", "D"] },
    xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { rotate: 30 } },
    yAxis: { type: "value" },
    series: ["A", "B", "C", "D"].map((g) => ({
      name: g, type: "bar", stack: "grades", itemStyle: { color: colours[g] },
      data: rows.map((r) => r[g]),
    })),
  });
  el.dataset.ready = "true";
});
