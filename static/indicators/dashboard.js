// Indicator dashboard: bar chart and choropleth map of the children of a region (ECharts, vendored).
// Data comes from the page's <script type="application/json" id="indicator-data">; no inline script.
(function () {
  "use strict";
  var holder = document.getElementById("indicator-data");
  if (!holder || typeof echarts === "undefined") { return; }
  var data = JSON.parse(holder.textContent);
  var pick = document.getElementById("indicator-pick");
  var barEl = document.getElementById("bar-chart");
  var mapEl = document.getElementById("map-chart");
  var COLORS = { green: "#198754", amber: "#ffc107", red: "#dc3545", none: "#adb5bd" };
  var bar = barEl ? echarts.init(barEl) : null;
  var map = null;
  var featureNames = {};

  function indicator(code) {
    for (var i = 0; i < data.indicators.length; i++) { if (data.indicators[i].code === code) { return data.indicators[i]; } }
    return data.indicators[0];
  }
  function shown(ind, v) {
    if (v === null || v === undefined) { return null; }
    return ind.kind === "share" ? Math.round(v * 1000) / 10 : v;
  }
  function unit(ind) { return ind.kind === "share" ? "%" : ind.unit; }

  function drawBar(ind) {
    if (!bar) { return; }
    bar.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 24, bottom: 72 },
      xAxis: { type: "category", data: data.rows.map(function (r) { return r.name; }), axisLabel: { rotate: 40 } },
      yAxis: { type: "value", name: unit(ind) },
      series: [{
        type: "bar", name: ind.label,
        data: data.rows.map(function (r) {
          return { value: shown(ind, r.values[ind.code]), itemStyle: { color: COLORS[r.statuses[ind.code] || "none"] } };
        })
      }]
    }, true);
  }

  function drawMap(ind) {
    if (!map) { return; }
    map.setOption({
      tooltip: { trigger: "item", formatter: function (p) {
        return p.name + (p.value === undefined || isNaN(p.value) ? "：无数据" : "：" + p.value + unit(ind));
      } },
      series: [{
        type: "map", map: "region", roam: false, label: { show: false },
        data: data.rows.filter(function (r) { return featureNames[r.code]; }).map(function (r) {
          return { name: featureNames[r.code], value: shown(ind, r.values[ind.code]),
                   itemStyle: { areaColor: COLORS[r.statuses[ind.code] || "none"] } };
        })
      }]
    }, true);
  }

  function draw() {
    var ind = indicator(pick ? pick.value : null);
    drawBar(ind);
    drawMap(ind);
  }

  if (mapEl && data.map) {
    fetch(data.map, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("map " + r.status); }
      return r.json();
    }).then(function (geo) {
      (geo.features || []).forEach(function (f) { if (f.id) { featureNames[f.id] = f.properties.name; } });
      echarts.registerMap("region", geo);
      map = echarts.init(mapEl);
      draw();
    }).catch(function () {
      mapEl.textContent = "地图边界数据加载失败，请参看表格和柱状图。";
    });
  }
  if (pick) { pick.addEventListener("change", draw); }
  window.addEventListener("resize", function () { if (bar) { bar.resize(); } if (map) { map.resize(); } });
  draw();
}());
