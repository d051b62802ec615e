// Charts of the pharmacovigilance pages: EBGM with its EB05–EB95 interval per event, the
// monthly trend of a drug's reports, and report density per area against the plan's target.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;

  const ebgm = document.getElementById("ebgm-chart");
  if (ebgm) {
    const pairs = JSON.parse(ebgm.dataset.pairs).filter((p) => p.ebgm !== null).reverse();
    const chart = echarts.init(ebgm);
    chart.setOption({
      grid: { left: 120, right: 24, top: 24, bottom: 40 },
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          const d = pairs[p.dataIndex];
          return `${d.event}<br>N ${d.n} · EBGM ${d.ebgm.toFixed(2)}<br>EB05–EB95 ${d.eb05.toFixed(2)}–${d.eb95.toFixed(2)}`;
        },
      },
      xAxis: { type: "log", name: "EBGM", nameLocation: "middle", nameGap: 26, min: 0.1 },
      yAxis: { type: "category", data: pairs.map((d) => d.event), axisLabel: { width: 110, overflow: "truncate" } },
      series: [
        {
          type: "custom",
          renderItem: (params, api) => {
            const y = api.coord([api.value(0), api.value(2)])[1];
            const x1 = api.coord([api.value(0), api.value(2)])[0];
            const x2 = api.coord([api.value(1), api.value(2)])[0];
            return { type: "line", shape: { x1, y1: y, x2, y2: y }, style: { stroke: "#8fb8e0", lineWidth: 6, lineCap: "round" } };
          },
          encode: { x: [0, 1], y: 2 },
          data: pairs.map((d, i) => [Math.max(d.eb05, 0.1), d.eb95, i]),
        },
        {
          type: "scatter",
          symbolSize: 10,
          z: 3,
          itemStyle: { color: (p) => (pairs[p.dataIndex].passed ? "#c0392b" : "#1f6fb2") },
          data: pairs.map((d, i) => [d.ebgm, i]),
          markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#b9770e" }, data: [{ xAxis: 2 }] },
        },
      ],
    });
    ebgm.dataset.ready = "true";
  }

  const trend = document.getElementById("trend-chart");
  if (trend) {
    const rows = JSON.parse(trend.dataset.trend);
    const chart = echarts.init(trend);
    chart.setOption({
      grid: { left: 40, right: 16, top: 16, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => r.month) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", areaStyle: { opacity: 0.15 }, data: rows.map((r) => r.reports) }],
    });
  }

  const density = document.getElementById("density-chart");
  if (density) {
    const rows = JSON.parse(density.dataset.rows);
    const target = Number(density.dataset.target);
    const chart = echarts.init(density);
    chart.setOption({
      grid: { left: 50, right: 16, top: 24, bottom: 50 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { rotate: 30 } },
      // Keep the target line in view even when every area is far below it.
      yAxis: { type: "value", name: density.dataset.label, max: (v) => Math.ceil(Math.max(v.max, target) * 1.1) },
      series: [{
        type: "bar",
        data: rows.map((r) => ({ value: r.per_million === null ? 0 : Math.round(r.per_million),
          itemStyle: { color: r.per_million !== null && r.per_million >= target ? "#1e8449" : "#1f6fb2" } })),
        markLine: { symbol: "none", lineStyle: { color: "#c0392b", type: "dashed" }, data: [{ yAxis: target }] },
      }],
    });
  }
});
