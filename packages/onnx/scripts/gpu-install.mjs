#!/usr/bin/env node
// Opt-in CUDA support for onnxruntime-node on linux-x64, without onnxruntime-node's own installer (which downloads
// from NuGet and is disabled in this repository). Copies the CUDA provider libraries beside libonnxruntime.so.1.
//
// Version pairing (a provider library must match the onnxruntime core it is loaded into):
//   com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9  ships ONNX Runtime 1.29.0 providers built for CUDA 13 + cuDNN 9
//   → onnxruntime-node must be 1.29.0 on this path (the default install uses 1.30.0, CPU only).
//
// Usage:
//   node packages/onnx/scripts/gpu-install.mjs [--from <folder or .tgz of the gpu package>] [--force]
// Without --from, the package is taken from node_modules if installed, else fetched with `npm pack`
// (which works offline when the tarball is already in npm's cache).
// Afterwards: `npx tsx packages/onnx/src/selftest-cli.ts` trains on CUDA, or prints why it could not.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const GPU_PACKAGE = 'com.github.asus4.onnxruntime.linux-x64-gpu';
const GPU_VERSION = '0.4.9';
const REQUIRED_ORT = '1.29.0';
const LIBS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

const args = process.argv.slice(2);
const from = args.includes('--from') ? args[args.indexOf('--from') + 1] : undefined;
const force = args.includes('--force');

function fail(message) {
  console.error(`gpu-install: ${message}`);
  process.exit(1);
}

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`only linux-x64 is supported (this is ${process.platform}-${process.arch}).`);

const require = createRequire(import.meta.url);
const ortPackage = require.resolve('onnxruntime-node/package.json');
const ortVersion = JSON.parse(readFileSync(ortPackage, 'utf8')).version;
if (ortVersion !== REQUIRED_ORT && !force) {
  fail(`onnxruntime-node is ${ortVersion}, but ${GPU_PACKAGE}@${GPU_VERSION} carries providers for ${REQUIRED_ORT}. ` +
    `Pin "onnxruntime-node": "${REQUIRED_ORT}" in the root package.json overrides and reinstall, then run this again ` +
    '(--force copies anyway; onnxruntime then refuses or crashes on the mismatch).');
}
const bindingFolder = path.join(path.dirname(ortPackage), 'bin', 'napi-v6', 'linux', 'x64');

function packageFolder() {
  if (from) {
    if (!existsSync(from)) fail(`${from} does not exist.`);
    if (statSync(from).isDirectory()) return from;
    return extract(from);
  }
  try {
    return path.dirname(require.resolve(`${GPU_PACKAGE}/package.json`));
  } catch {
    const dir = mkdtempSync(path.join(tmpdir(), 'ort-gpu-'));
    console.log(`Fetching ${GPU_PACKAGE}@${GPU_VERSION} with npm pack (about 179 MB)…`);
    const name = execFileSync('npm', ['pack', `${GPU_PACKAGE}@${GPU_VERSION}`, '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop();
    return extract(path.join(dir, name));
  }
}

function extract(tgz) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ort-gpu-x-'));
  execFileSync('tar', ['-xzf', tgz, '-C', dir]);
  return dir;
}

function find(folder, file) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const p = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      const hit = find(p, file);
      if (hit) return hit;
    } else if (entry.name === file) return p;
  }
  return null;
}

const source = packageFolder();
for (const lib of LIBS) {
  const src = find(source, lib);
  if (!src) fail(`${lib} is not in ${source}; is this ${GPU_PACKAGE}@${GPU_VERSION}?`);
  copyFileSync(src, path.join(bindingFolder, lib));
  console.log(`copied ${lib} → ${bindingFolder}`);
}
console.log('CUDA providers installed. They need the CUDA 13 runtime (libcudart, libcublas, libcublasLt .so.13) and cuDNN 9 on the library path.');
console.log('Check with: npx tsx packages/onnx/src/selftest-cli.ts');
