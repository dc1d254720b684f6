// Indicator trends over years (ECharts line chart); data from <script type="application/json" id="trend-data">.
(function () {
  "use strict";
  var holder = document.getElementById("trend-data");
  var el = document.getElementById("trend-chart");
  if (!holder || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(holder.textContent);
  var pick = document.getElementById("indicator-pick");
  var chart = echarts.init(el);
  function draw() {
    var code = pick ? pick.value : data.indicators[0].code;
    var ind = data.indicators.filter(function (i) { return i.code === code; })[0] || data.indicators[0];
    var values = (data.values[ind.code] || []).map(function (v) {
      return v === null ? null : (ind.kind === "share" ? Math.round(v * 1000) / 10 : v);
    });
    chart.setOption({
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.years },
      yAxis: { type: "value", name: ind.kind === "share" ? "%" : ind.unit },
      series: [{ type: "line", name: ind.label, data: values, connectNulls: false }]
    }, true);
  }
  if (pick) { pick.addEventListener("change", draw); }
  window.addEventListener("resize", function () { chart.resize(); });
  draw();
}());
