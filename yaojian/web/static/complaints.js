// The desk's chart: complaints and reports received per month, stacked.
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("complaints-chart");
  if (!el || !window.echarts) return;
  const rows = JSON.parse(el.dataset.rows);
  const labels = JSON.parse(el.dataset.labels);
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 40, right: 16, top: 30, bottom: 30 },
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    xAxis: { type: "category", data: rows.map((r) => r.month) },
    yAxis: { type: "value", minInterval: 1 },
    series: ["complaint", "report"].map((kind, i) => ({
      name: labels[kind],
      type: "bar",
      stack: "all",
      itemStyle: { color: i === 0 ? "#1f6fb2" : "#b9770e" },
      data: rows.map((r) => r[kind]),
    })),
  });
  el.dataset.ready = "true";
  window.addEventListener("resize", () => chart.resize());
});
