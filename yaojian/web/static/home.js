// The province map on the home page: cities coloured by the number of enterprises the user can
// see; a click opens that city's enterprise list.
document.addEventListener("DOMContentLoaded", async () => {
  const el = document.getElementById("zj-map");
  if (!el || !window.echarts) return;
  const series = JSON.parse(el.dataset.series);
  const geo = await (await fetch("/static/map/zhejiang-cities.geojson")).json();
  echarts.registerMap("zhejiang", geo);
  const chart = echarts.init(el, null, { renderer: "canvas" });
  const max = Math.max(1, ...series.map((d) => d.value));
  chart.setOption({
    tooltip: { trigger: "item", formatter: (p) => `${p.name}<br>${el.dataset.label}: ${(p.value || 0).toLocaleString()}` },
    visualMap: {
      min: 0, max, left: 8, bottom: 8, calculable: true, text: ["", el.dataset.label],
      inRange: { color: ["#e6f0fa", "#8fb8e0", "#2f6fb0", "#123f73"] },
    },
    series: [{
      type: "map", map: "zhejiang", roam: false, selectedMode: false, layoutCenter: ["50%", "50%"], layoutSize: "95%",
      label: { show: true, fontSize: 12, color: "#1b2733", textBorderColor: "#fff", textBorderWidth: 2 },
      emphasis: { label: { color: "#000" }, itemStyle: { areaColor: "#f5c16c" } },
      itemStyle: { borderColor: "#fff", borderWidth: 1 },
      data: series,
    }],
  });
  chart.on("click", (p) => {
    if (p.data && p.data.code) window.location.href = `/enterprises?region_code=${p.data.code}`;
  });
  el.dataset.ready = "true";
  window.addEventListener("resize", () => chart.resize());
});
