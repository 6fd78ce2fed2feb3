// Small SVG charts for the examples and the main job's report.

/** Tableau 10: ten colours that stay distinct for most readers. */
const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/** A scatter plot of 2-D points coloured by label 0..9, with a legend. */
export function scatterSvg(points: Float32Array, labels: Uint8Array, title: string): string {
  const size = 640;
  const margin = 24;
  const legendWidth = 80;
  const n = labels.length;
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, points[2 * i]!);
    maxX = Math.max(maxX, points[2 * i]!);
    minY = Math.min(minY, points[2 * i + 1]!);
    maxY = Math.max(maxY, points[2 * i + 1]!);
  }
  const sx = (v: number) => margin + ((v - minX) / (maxX - minX || 1)) * (size - 2 * margin);
  const sy = (v: number) => size - margin - ((v - minY) / (maxY - minY || 1)) * (size - 2 * margin);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size + legendWidth}" height="${size}" viewBox="0 0 ${size + legendWidth} ${size}" font-family="sans-serif" font-size="14">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin}" y="16">${title}</text>`,
  ];
  for (let i = 0; i < n; i++) {
    lines.push(`<circle cx="${sx(points[2 * i]!).toFixed(1)}" cy="${sy(points[2 * i + 1]!).toFixed(1)}" r="2.2" fill="${COLOURS[labels[i]!]}" fill-opacity="0.75"/>`);
  }
  for (let d = 0; d < 10; d++) {
    const y = margin + 20 + d * 24;
    lines.push(`<circle cx="${size + 14}" cy="${y}" r="6" fill="${COLOURS[d]}"/>`, `<text x="${size + 28}" y="${y + 5}">${d}</text>`);
  }
  lines.push("</svg>");
  return lines.join("\n") + "\n";
}

/** Line chart of named series over epochs (e.g. loss and val loss). */
export function lineChartSvg(series: Record<string, readonly number[]>, title: string): string {
  const width = 480;
  const height = 280;
  const margin = { left: 56, right: 16, top: 28, bottom: 32 };
  const entries = Object.entries(series).filter(([, v]) => v.length > 0);
  const all = entries.flatMap(([, v]) => v);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const epochs = Math.max(...entries.map(([, v]) => v.length));
  const sx = (i: number) => margin.left + (epochs > 1 ? i / (epochs - 1) : 0.5) * (width - margin.left - margin.right);
  const sy = (v: number) => height - margin.bottom - ((v - lo) / (hi - lo || 1)) * (height - margin.top - margin.bottom);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left}" y="16" font-size="14">${title}</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="#888"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="#888"/>`,
    `<text x="4" y="${sy(hi) + 4}">${hi.toPrecision(4)}</text>`,
    `<text x="4" y="${sy(lo) + 4}">${lo.toPrecision(4)}</text>`,
    `<text x="${width / 2 - 20}" y="${height - 8}">epoch 1 to ${epochs}</text>`,
  ];
  entries.forEach(([name, values], k) => {
    const path = values.map((v, i) => `${i === 0 ? "M" : "L"}${sx(i).toFixed(1)},${sy(v).toFixed(1)}`).join(" ");
    lines.push(`<path d="${path}" fill="none" stroke="${COLOURS[k]}" stroke-width="2"/>`);
    lines.push(`<text x="${width - margin.right - 110}" y="${margin.top + 14 * k}" fill="${COLOURS[k]}">${name}</text>`);
  });
  lines.push("</svg>");
  return lines.join("\n") + "\n";
}
