// Builds verify.html: src/main.js and its imports (with @noble/hashes,
// pinned by package-lock.json) bundled by esbuild into one inline script
// in src/page.html, whose CSP allows exactly that script by its hash. The
// output depends only on the sources and the locked packages, so CI
// rebuilds it and fails if it differs from the committed file.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const out = await build({
  entryPoints: ['src/main.js'], bundle: true, write: false, format: 'iife', target: 'es2020',
  minify: true, legalComments: 'inline', charset: 'utf8',
});
const script = out.outputFiles[0].text.trimEnd();
if (/<\/script/i.test(script) || /<!--/.test(script)) throw new Error('the bundle contains </script or <!--: it cannot be inlined');
const version = (name) => JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
const hash = 'sha256-' + createHash('sha256').update(script, 'utf8').digest('base64');
const page = readFileSync('src/page.html', 'utf8')
  .replace('{{SCRIPT_HASH}}', hash)
  .replace('{{LIBRARIES}}', `@noble/hashes ${version('@noble/hashes')} (keccak256), bundled by esbuild ${version('esbuild')}`)
  .replace('{{SCRIPT}}', () => script);
writeFileSync('verify.html', page);
console.log(`verify.html: ${page.length} bytes, script ${hash}`);
