import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { looksCutOff } from './cut-off';

describe('looksCutOff', () => {
  it('tells complete JPEG, PNG and WebP files from ones cut short', async () => {
    const base = sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 10, g: 200, b: 90 } } });
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const whole = new Uint8Array(await base.clone().toFormat(format).toBuffer());
      expect(looksCutOff(whole, format), format).toBe(false);
      expect(looksCutOff(whole.subarray(0, Math.floor(whole.length / 2)), format), format).toBe(true);
      // Zero padding after a complete file is not a cut.
      expect(looksCutOff(Uint8Array.from([...whole, 0, 0, 0]), format), format).toBe(false);
    }
  });
});
