import sharp from 'sharp';
import { triggerPhrase } from '../../common';
import type { Captioner, CaptionContext, ImageToCaption } from './captioner';

/** What the studio can say about an image without any model. */
export interface ImageFacts {
  orientation: 'portrait' | 'landscape' | 'square';
  /** Mean luma 0..255 */
  brightness: number;
  dominantColour: string;
  faces: number | null;
}

export async function imageFacts(image: ImageToCaption): Promise<ImageFacts> {
  const ratio = image.width / Math.max(1, image.height);
  const orientation = ratio > 1.1 ? 'landscape' : ratio < 0.9 ? 'portrait' : 'square';
  const stats = await sharp(image.path).resize(64, 64, { fit: 'inside' }).removeAlpha().stats();
  const [r, g, b] = stats.channels.map((c) => c.mean) as [number, number, number];
  const measured = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const metricLuma = image.metrics?.meanLuma;
  const faces = image.metrics?.faces;
  return {
    orientation,
    brightness: typeof metricLuma === 'number' ? metricLuma : measured,
    dominantColour: colourName(stats.dominant.r, stats.dominant.g, stats.dominant.b),
    faces: typeof faces === 'number' ? faces : null,
  };
}

/** Names an sRGB colour with one everyday word, by hue, saturation and lightness. */
export function colourName(r: number, g: number, b: number): string {
  const max = Math.max(r, g, b) / 255;
  const min = Math.min(r, g, b) / 255;
  const l = (max + min) / 2;
  const s = max === min ? 0 : (max - min) / (1 - Math.abs(2 * l - 1));
  if (s < 0.15 || max - min < 0.08) return l < 0.2 ? 'black' : l > 0.85 ? 'white' : 'grey';
  const d = max - min;
  const rn = r / 255, gn = g / 255, bn = b / 255;
  let h = max === rn ? ((gn - bn) / d) % 6 : max === gn ? (bn - rn) / d + 2 : (rn - gn) / d + 4;
  h = (h * 60 + 360) % 360;
  if ((h < 45 || h >= 345) && l < 0.35 && h >= 10) return 'brown';
  if (h < 15 || h >= 345) return 'red';
  if (h < 45) return l < 0.4 ? 'brown' : 'orange';
  if (h < 70) return 'yellow';
  if (h < 165) return 'green';
  if (h < 200) return 'teal';
  if (h < 255) return 'blue';
  if (h < 290) return 'purple';
  return 'pink';
}

export function templateCaption(facts: ImageFacts, ctx: CaptionContext): string {
  const parts = [triggerPhrase(ctx.type, ctx.trigger), `${facts.orientation} image`];
  if (facts.brightness < 70) parts.push('dim lighting');
  else if (facts.brightness > 185) parts.push('bright lighting');
  parts.push(`mostly ${facts.dominantColour} tones`);
  if (facts.faces !== null) {
    parts.push(facts.faces === 0 ? 'no visible face' : facts.faces === 1 ? 'one face' : `${facts.faces} faces`);
  }
  return parts.join(', ');
}

/**
 * The offline captioner: always available, never good enough to train on unreviewed. Its captions carry source
 * "template" so the UI shows them as drafts.
 */
export function templateCaptioner(): Captioner {
  return {
    source: 'template',
    label: 'template',
    concurrency: 2,
    async caption(image, ctx) {
      return templateCaption(await imageFacts(image), ctx);
    },
    async close() {},
  };
}
