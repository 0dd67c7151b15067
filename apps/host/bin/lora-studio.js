#!/usr/bin/env node
// The CLI and the browser-mode host are TypeScript run through tsx, so a fresh `npm ci` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
