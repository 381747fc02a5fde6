// Build static/viewer.js (minified, committed) from src/viewer.js: `npm install && npm run build`.
// Also writes the licences of every npm package that ends up in the bundle (vtk.js: BSD-3-Clause).
import * as esbuild from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const result = await esbuild.build({
  entryPoints: ['src/viewer.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  outfile: 'static/viewer.js',
  legalComments: 'none',
  metafile: true,
  banner: {
    js: '/* twin 3D viewer (Apache-2.0). Bundles vtk.js, BSD-3-Clause, (c) 2016 Kitware Inc.,'
      + ' and its dependencies: see THIRD-PARTY-LICENSES.txt next to this file. */',
  },
});

// one licence per package found in the bundle's inputs
const pkgs = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/^(.*node_modules\/(@[^/]+\/[^/]+|[^/]+))\//);
  if (m && !pkgs.has(m[2])) pkgs.set(m[2], m[1]);
}
let text = 'Third-party code bundled into viewer.js\n\n';
for (const [name, dir] of [...pkgs].sort()) {
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE']
    .map((f) => join(dir, f))
    .find((f) => existsSync(f));
  text += `${'='.repeat(72)}\n${name} ${meta.version} (${meta.license})\n${'='.repeat(72)}\n`;
  text += file ? readFileSync(file, 'utf8') : `(no licence file; package.json says ${meta.license})\n`;
  text += '\n';
}
writeFileSync('static/THIRD-PARTY-LICENSES.txt', text);
const size = Object.values(result.metafile.outputs)[0].bytes;
console.log(`static/viewer.js: ${(size / 1e3).toFixed(0)} kB from ${pkgs.size} packages:`,
  [...pkgs.keys()].join(', '));
