/* global Chart, document, getComputedStyle */
// Runs in the report page, after Chart.js (inlined before it): hands the chart model that
// reports/chart-model.ts embedded in the page to Chart.js, one chart per canvas. No drawing of
// its own. Sets `data-charts="ready"` on <body> once every chart is built, for tests and
// anyone scripting the page.
(function () {
  'use strict';
  const model = JSON.parse(document.getElementById('gridbox-charts').textContent);
  const unitName = model.unit === 'h' ? 'hours' : 'minutes';

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;

  const timeAxis = {
    type: 'linear',
    min: 0,
    max: model.xMax,
    title: { display: true, text: 'model time (' + unitName + ')' },
  };
  const count = (title, extra) =>
    Object.assign({ beginAtZero: true, title: { display: true, text: title } }, extra);
  const points = (values) => values.map((y, i) => ({ x: model.x[i], y: y }));
  const fmt = (t) => t.toFixed(2).replace(/\.?0+$/, '') + ' ' + model.unit;
  const translucent = (hex) => hex + 'b3';

  // (a) Jobs by status, stacked areas: each curve fills down to the one below it.
  new Chart(document.getElementById('chart-jobs'), {
    type: 'line',
    data: {
      datasets: model.jobs.map((c, i) => ({
        label: c.label,
        data: points(c.values),
        borderColor: c.color,
        backgroundColor: translucent(c.color),
        fill: i === 0 ? 'origin' : '-1',
        pointRadius: 0,
        borderWidth: 1,
      })),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: { x: timeAxis, y: count('jobs', { stacked: true }) },
    },
  });

  // (b) Pilots running per site.
  new Chart(document.getElementById('chart-pilots'), {
    type: 'line',
    data: {
      datasets: model.pilots.map((c) => ({
        label: c.label,
        data: points(c.values),
        borderColor: c.color,
        backgroundColor: c.color,
        pointRadius: 0,
        borderWidth: 2,
      })),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: { x: timeAxis, y: count('pilots running') },
    },
  });

  // (c) Cumulative transfers (left axis) and failures (right axis): their scales differ.
  const [transfers, failures] = model.cumulative;
  new Chart(document.getElementById('chart-transfers'), {
    type: 'line',
    data: {
      datasets: [
        { c: transfers, axis: 'y' },
        { c: failures, axis: 'y1' },
      ].map(({ c, axis }) => ({
        label: c.label,
        data: points(c.values),
        borderColor: c.color,
        backgroundColor: c.color,
        yAxisID: axis,
        pointRadius: 0,
        borderWidth: 2,
      })),
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: timeAxis,
        y: count('transfers (cumulative)'),
        y1: count('failures (cumulative)', {
          position: 'right',
          grid: { drawOnChartArea: false },
          ticks: { precision: 0 },
        }),
      },
    },
  });

  // (d) Injected faults: one row per kind, a floating bar from start to lift (or run end).
  const kinds = [...new Set(model.faults.map((f) => f.kind))];
  new Chart(document.getElementById('chart-faults'), {
    type: 'bar',
    data: {
      labels: kinds,
      datasets: [
        {
          label: 'faults',
          data: model.faults.map((f) => ({ x: [f.start, f.end], y: f.kind })),
          backgroundColor: model.faults.map((f) => (f.lifted ? f.color : translucent(f.color))),
          borderColor: model.faults.map((f) => f.color),
          borderWidth: 1,
          borderSkipped: false,
          grouped: false,
          minBarLength: 4,
          barPercentage: 0.6,
          categoryPercentage: 1,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const f = model.faults[ctx.dataIndex];
              const until = f.lifted ? fmt(f.end) : 'the end of the run (never lifted)';
              return f.target + ': ' + f.detail + ', ' + fmt(f.start) + ' to ' + until;
            },
          },
        },
      },
      scales: { x: timeAxis, y: { type: 'category', offset: true } },
    },
  });

  document.body.dataset.charts = 'ready';
})();
