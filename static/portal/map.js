/* Public portal maps (Leaflet, vendored): the search map, the institution page map, and the location
   picker of the filing form. No inline script: everything reads data-* attributes.
   Tiles: Tianditu (vec_w + cva_w) when the page carries a tile URL; with none, or once a tile fails,
   the base layer is dropped and a note says so — markers, the list and the search keep working. */
(function () {
  "use strict";
  var CHINA = [35.0, 105.0];

  function note(el, text) { if (el) { el.textContent = text; } }

  function baseLayers(map, holder, noteEl) {
    var base = holder.getAttribute("data-tiles"), labels = holder.getAttribute("data-labels");
    if (!base) {
      holder.classList.add("no-tiles");
      note(noteEl, "未配置地图底图：机构按经纬度标在图上，下方（或左侧）列表可直接使用。");
      return;
    }
    var opts = { subdomains: "01234567", maxZoom: 18, attribution: "天地图" };
    var layers = [L.tileLayer(base, opts), L.tileLayer(labels, opts)];
    var failed = false;
    layers.forEach(function (layer) {
      layer.on("tileerror", function () {
        if (failed) { return; }
        failed = true;
        layers.forEach(function (l) { map.removeLayer(l); });
        holder.classList.add("no-tiles");
        note(noteEl, "地图底图暂时无法加载：机构标记和列表仍可正常使用。");
      });
      layer.addTo(map);
    });
  }

  function searchMap() {
    var holder = document.getElementById("map");
    if (!holder || typeof L === "undefined") { return; }
    var noteEl = document.getElementById("map-note");
    var map = L.map(holder, { zoomControl: true, attributionControl: true }).setView(CHINA, 4);
    holder.setAttribute("data-ready", "1");
    baseLayers(map, holder, noteEl);
    var points = [];
    var here = [parseFloat(holder.getAttribute("data-lat")), parseFloat(holder.getAttribute("data-lng"))];
    if (!isNaN(here[0]) && !isNaN(here[1])) {
      L.circleMarker(here, { radius: 7, color: "#dc3545", fillOpacity: 0.9 }).addTo(map).bindTooltip("所选位置");
      points.push(here);
    }
    var items = document.querySelectorAll("li.result[data-lat]");
    var markers = 0;
    items.forEach(function (li) {
      var lat = parseFloat(li.getAttribute("data-lat")), lng = parseFloat(li.getAttribute("data-lng"));
      if (isNaN(lat) || isNaN(lng)) { return; }
      var approximate = li.getAttribute("data-approximate") === "1";
      var marker = approximate
        ? L.circle([lat, lng], { radius: 1500, color: "#6f42c1", dashArray: "4 4", fillOpacity: 0.15,
                                  className: "result-marker approximate" })
        : L.circleMarker([lat, lng], { radius: 8, color: "#0d6efd", fillOpacity: 0.8, className: "result-marker" });
      var link = document.createElement("a");
      link.href = li.getAttribute("data-url");
      link.textContent = li.getAttribute("data-name");
      var box = document.createElement("div");
      box.appendChild(link);
      if (approximate) {
        var hint = document.createElement("div");
        hint.className = "small text-muted";
        hint.textContent = "家庭托育点：仅标示大致区域";
        box.appendChild(hint);
      }
      marker.bindPopup(box);
      marker.on("click", function () {
        document.querySelectorAll("li.result.active").forEach(function (x) { x.classList.remove("active"); });
        li.classList.add("active");
      });
      marker.addTo(map);
      holder.setAttribute("data-markers", String(++markers));
      points.push([lat, lng]);
    });
    if (points.length === 1) { map.setView(points[0], 13); }
    else if (points.length > 1) { map.fitBounds(points, { padding: [24, 24], maxZoom: 15 }); }
  }

  function useMyLocation() {
    var button = document.getElementById("use-location");
    var form = document.getElementById("search-form");
    if (!button || !form || !("geolocation" in navigator)) { return; }
    var status = document.getElementById("location-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      note(status, "正在获取您的位置…");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("#lat").value = pos.coords.latitude.toFixed(6);
        form.querySelector("#lng").value = pos.coords.longitude.toFixed(6);
        form.submit();
      }, function () {
        note(status, "无法获取您的位置（可能未授权）。可以按地区或名称查询。");
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
    });
  }

  function institutionMap() {
    var holder = document.getElementById("institution-map");
    if (!holder || typeof L === "undefined") { return; }
    var lat = parseFloat(holder.getAttribute("data-lat")), lng = parseFloat(holder.getAttribute("data-lng"));
    if (isNaN(lat) || isNaN(lng)) { return; }
    var map = L.map(holder).setView([lat, lng], holder.getAttribute("data-approximate") === "1" ? 12 : 15);
    baseLayers(map, holder, document.getElementById("institution-map-note"));
    if (holder.getAttribute("data-approximate") === "1") {
      L.circle([lat, lng], { radius: 1500, color: "#6f42c1", dashArray: "4 4", fillOpacity: 0.15 }).addTo(map);
    } else {
      L.circleMarker([lat, lng], { radius: 9, color: "#0d6efd", fillOpacity: 0.8 }).addTo(map);
    }
    holder.setAttribute("data-ready", "1");
  }

  /* The filing form: click the map to set the latitude and longitude fields; typing moves the marker. */
  function locationPicker() {
    var holder = document.getElementById("location-picker");
    if (!holder || typeof L === "undefined") { return; }
    var latInput = document.getElementById(holder.getAttribute("data-lat-input"));
    var lngInput = document.getElementById(holder.getAttribute("data-lng-input"));
    if (!latInput || !lngInput) { return; }
    var readOnly = holder.getAttribute("data-readonly") === "1";
    var start = [parseFloat(latInput.value), parseFloat(lngInput.value)];
    var has = !isNaN(start[0]) && !isNaN(start[1]);
    var map = L.map(holder).setView(has ? start : CHINA, has ? 16 : 4);
    baseLayers(map, holder, document.getElementById("location-picker-note"));
    var marker = has ? L.marker(start).addTo(map) : null;
    function place(latlng) {
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    }
    if (!readOnly) {
      map.on("click", function (e) {
        latInput.value = e.latlng.lat.toFixed(6);
        lngInput.value = e.latlng.lng.toFixed(6);
        place(e.latlng);
      });
      [latInput, lngInput].forEach(function (input) {
        input.addEventListener("change", function () {
          var ll = [parseFloat(latInput.value), parseFloat(lngInput.value)];
          if (!isNaN(ll[0]) && !isNaN(ll[1])) { place(ll); map.setView(ll, Math.max(map.getZoom(), 14)); }
        });
      });
    }
    holder.setAttribute("data-ready", "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    searchMap();
    useMyLocation();
    institutionMap();
    locationPicker();
  });
})();
