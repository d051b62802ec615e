// The inspection plan's visits per month, so that a regulator sees how the year is loaded.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const el = document.getElementById("plan-months");
  if (!el) return;
  const months = JSON.parse(el.dataset.months);
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 48, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: months.map((_, i) => `${i + 1}`) },
    yAxis: { type: "value" },
    series: [{ type: "bar", name: el.dataset.label, data: months, itemStyle: { color: "#2f6db5" } }],
  });
  window.addEventListener("resize", () => chart.resize());
});
