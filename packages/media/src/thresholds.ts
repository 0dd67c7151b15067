import type { ImageFlagId } from '@lora-studio/api';

/**
 * Every number that turns a measurement into a flag or a warning, in one place, each with the guide's rule it
 * comes from (docs/training-guide.md §Dataset). Change a threshold here and every flag, report and test follows.
 */

/** Hard limits on input: beyond them a file is refused before it is decoded, so one bad file cannot exhaust memory. */
export const IMPORT_LIMITS = {
  /** Largest single image file we read (bytes). Real camera RAW-size JPEGs stay far below. */
  maxFileBytes: 256 * 1024 * 1024,
  /** Largest declared pixel count (width × height). A "decompression bomb" declares far more than it holds. */
  maxPixels: 150_000_000,
  /** Largest .zip we open (bytes). Entries are read from the file one at a time, never the whole zip at once. */
  maxZipBytes: 2 * 1024 * 1024 * 1024,
  /** Most image entries one .zip may hold. */
  maxZipEntries: 20_000,
  /** Largest zip table of contents we read (bytes): 20,000 entries with long names stay far below. */
  maxZipDirectoryBytes: 64 * 1024 * 1024,
  /**
   * The archive's total budget: all entries of one .zip together may expand to zipBudgetPerZipByte × the zip's size,
   * at least zipBudgetFloorBytes and at most maxZipExpandedBytes. JPEG, PNG and WebP barely compress (a photo zip
   * expands about 1.1×); 20× leaves room for uncompressed TIFFs, and bounds a zip of lying entries to 20× its size.
   */
  zipBudgetPerZipByte: 20,
  zipBudgetFloorBytes: 64 * 1024 * 1024,
  maxZipExpandedBytes: 4 * 1024 * 1024 * 1024,
  /** Largest expansion ratio of one zip entry; a higher one is a zip bomb, not a photo. */
  maxZipRatio: 100,
  /** Longest caption kept from a sidecar (.txt beside an image, on disk or in a zip), in bytes. */
  maxCaptionBytes: 16 * 1024,
  /** Most files one import walks (folders recurse), so a mistaken drop of "/" ends with a message, not a hang. */
  maxFiles: 100_000,
} as const;

export const THRESHOLDS = {
  /** Guide: "min 512×512; 1024×1024 preferred". Measured on the short side of the (cropped) image. */
  resolution: { minimum: 512, preferred: 1024 },
  /**
   * Guide: "every image sharp and well lit". Variance of the Laplacian of the green channel at the large
   * thumbnail's size (1024 px on the long side; smaller images at their own size), i.e. at the size LoRAs train
   * at. Photo-like test images of 0.9–12 MP measure 140–1,600 in focus and under 20 once a Gaussian blur reaches
   * 1 px at that size (at 512 px the two ranges overlapped for 12 MP images).
   */
  blurry: { maxLaplacianVariance: 45 },
  /** Guide: "well lit". Share of pixels at the clipping ends (luma ≥ 250 or ≤ 5), and mean luma bounds. */
  exposure: { maxClippedShare: 0.25, overexposedMeanLuma: 215, underexposedMeanLuma: 40 },
  /**
   * Guide: "heavy artifacts degrade the LoRA". JPEG quality estimated from the file's quantisation tables (what
   * image tools show as "quality"): below 30, block edges and ringing are plain to see. Cameras save at 85–98,
   * web thumbnails at 60–80. A picture compressed hard and then re-saved at a high quality is not caught.
   */
  compression: { minJpegQuality: 30 },
  /** Guide: "avoid extreme crops". Long side / short side; 21:9 panoramas and skyscraper strips land beyond. */
  aspect: { maxRatio: 2.5 },
  /**
   * Guide: "variety over quantity — 10 varied > 50 similar". Near twins: Hamming distance of 64-bit DCT perceptual
   * hashes, or (for flat graphics, whose hash bits are unstable) mean grey difference of 8×8 miniatures.
   */
  nearDuplicate: { maxHashDistance: 8, maxTinyDifference: 3 },
  /** Guide: "overly uniform backgrounds". Std-dev of luma (0–255) along the image border (outer 8% band). */
  uniformBackground: { maxBorderStdDev: 6 },
  /** Guide: "one session/photoshoot ≤ 15% of images". Photos of one camera within this gap are one session. */
  session: { maxShare: 0.15, maxGapMinutes: 45, maxLookDistance: 0.08 },
  /**
   * Guide mistake #1: "80% of images in the same room/lighting bakes the environment into the concept".
   * Images whose background/lighting signatures lie within maxDistance of each other form a group; we warn once a
   * group reaches warnShare of the dataset, before it reaches the guide's 80%.
   */
  sameRoom: { maxDistance: 0.06, warnShare: 0.6, minImages: 5 },
  /** Guide: "avoid watermarks; screenshots / overlaid text". OCR words of at least minWordLength letters above minConfidence. */
  text: { minConfidence: 70, minWordLength: 3, minWords: 1 },
  /** Guide: "multiple subjects when training one subject". Face detector confidence needed to count a face. */
  faces: { minConfidence: 0.5 },
  /** Guide: subject minimum 10, optimal 20–30; style best 50–150. */
  datasetSize: {
    subject: { minimum: 10, optimalLow: 20, optimalHigh: 30 },
    object: { minimum: 10, optimalLow: 20, optimalHigh: 30 },
    style: { minimum: 20, optimalLow: 50, optimalHigh: 150 },
  },
} as const;

/** One line per flag, citing the guide, shown beside the image and in the health report. */
export const FLAG_REASONS: Record<ImageFlagId, string> = {
  'low-resolution': 'Below 512 px on the short side: the guide asks for at least 512×512.',
  'below-1024': 'Below 1024 px on the short side: usable, but the guide prefers 1024×1024.',
  blurry: 'Looks blurry: the guide asks for every image to be sharp.',
  overexposed: 'Overexposed (blown highlights): the guide asks for well-lit images.',
  underexposed: 'Underexposed (crushed shadows): the guide asks for well-lit images.',
  'heavy-compression': 'Heavy JPEG compression artifacts: the guide warns they degrade the LoRA.',
  'extreme-aspect': 'Extreme crop/aspect ratio: the guide says to avoid extreme crops.',
  'uniform-background': 'Overly uniform background: the guide says to avoid these.',
  'near-duplicate': 'Nearly the same as another image: the guide says 10 varied images beat 50 similar ones.',
  'text-overlay': 'Contains text (watermark, screenshot or overlay): the guide says to avoid these.',
  'no-face': 'No face found: a person LoRA needs the person in every image.',
  'multiple-faces': 'More than one face: the guide warns against multiple subjects when training one subject.',
};
