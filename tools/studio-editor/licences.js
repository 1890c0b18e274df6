// Writes the licences of every bundled package next to the built file.
const fs = require("fs");
const path = require("path");
const out = [];
const seen = new Set();
function walk(dir) {
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name.startsWith("@")) { walk(full); continue; }
    const pkgFile = path.join(full, "package.json");
    if (!fs.existsSync(pkgFile) || name === "esbuild" || name.startsWith("esbuild") || full.includes("@esbuild")) continue;
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
    if (seen.has(pkg.name)) continue;
    seen.add(pkg.name);
    const licence = fs.readdirSync(full).find((f) => /^licen[cs]e/i.test(f));
    const text = licence ? fs.readFileSync(path.join(full, licence), "utf8") : `License: ${pkg.license}`;
    out.push(`${pkg.name}@${pkg.version} (${pkg.license})\n\n${text.trim()}\n`);
  }
}
walk(path.join(__dirname, "node_modules"));
out.sort();
fs.writeFileSync(path.join(__dirname, "../../bot/channels/web/static/vendor/codemirror.LICENSES.txt"),
  "Bundled into codemirror.min.js by tools/studio-editor (npm run build).\n\n" + out.join("\n" + "-".repeat(72) + "\n\n"));
