import sharp from 'sharp';
import { insertTrigger, triggerPhrase, type LoraType } from '../../common';
import { CaptionerError, type Captioner } from './captioner';

export interface VisionEndpoint {
  /** Base URL ("http://localhost:11434", ".../v1") or the full ".../chat/completions" URL. */
  url: string;
  model: string;
  /** Sent as a Bearer token; never stored in the project file. */
  apiKey?: string;
  /** Placeholders: {trigger}, {phrase} (the recommended trigger phrase), {type}. */
  prompt: string;
  /** Images in flight at once. */
  concurrency: number;
  /** Per request, in ms. */
  timeoutMs: number;
  /** Extra attempts after a 429, a 5xx or a timeout. */
  retries: number;
  /** First wait before a retry; doubles each time (a Retry-After header wins, up to 60 s). */
  retryDelayMs: number;
  maxTokens: number;
  /** Long side of the image sent, in pixels. */
  imageSize: number;
}

export const DEFAULT_VISION_PROMPT = [
  'Write one caption for this image, for training an image model.',
  'The {type} shown is called "{trigger}". Start the caption with "{phrase}" and refer to it only by that name.',
  'Do not describe what makes the {type} itself recognisable (its face, hair, body, logo or signature look):',
  'the name carries that. Describe everything else: pose, action, clothing, setting, background, lighting,',
  'camera angle and framing. Answer with the caption only, in one paragraph.',
].join(' ');

export const defaultVisionEndpoint: Omit<VisionEndpoint, 'url' | 'model'> = {
  prompt: DEFAULT_VISION_PROMPT,
  concurrency: 2,
  timeoutMs: 120_000,
  retries: 3,
  retryDelayMs: 1000,
  maxTokens: 300,
  imageSize: 768,
};

const TYPE_WORDS: Record<LoraType, string> = { subject: 'subject', style: 'art style', object: 'product' };

export function chatCompletionsUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CaptionerError(`"${url}" is not a URL. Give the server address, e.g. http://localhost:11434/v1.`, { fatal: true });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CaptionerError(`"${url}" is not an http(s) address.`, { fatal: true });
  }
  const base = url.replace(/\/+$/, '');
  if (base.endsWith('/chat/completions')) return base;
  return base.endsWith('/v1') ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
}

/** Fills the prompt template for one project. */
export function visionPrompt(template: string, trigger: string, type: LoraType): string {
  return template
    .replaceAll('{trigger}', trigger)
    .replaceAll('{phrase}', triggerPhrase(type, trigger))
    .replaceAll('{type}', TYPE_WORDS[type]);
}

/**
 * A vision-language model behind an OpenAI-compatible chat-completions API (Ollama, LM Studio, vLLM, a cloud service).
 * Transient failures (429, 5xx, timeouts) are retried with backoff; failures that would repeat for every image
 * (unreachable server, rejected key, unknown model) are fatal so the job stops at once.
 */
export function openAiCaptioner(endpoint: VisionEndpoint): Captioner {
  const url = chatCompletionsUrl(endpoint.url);
  const where = new URL(url).host;
  const label = `${endpoint.model} at ${where}`;

  async function once(body: string, signal: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(endpoint.timeoutMs);
    try {
      return await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
        },
        body,
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) throw new Retryable(`${where} did not answer within ${seconds(endpoint.timeoutMs)}`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code;
      throw new CaptionerError(
        code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `Could not reach ${where} (${code}). Is the server running, and is the address right?`
          : `Could not reach ${where}: ${cause?.message ?? (err as Error).message}${code ? ` (${code})` : ''}. Check the address and your network.`,
        { fatal: true },
      );
    }
  }

  async function request(body: string, signal: AbortSignal): Promise<unknown> {
    let lastProblem = '';
    for (let attempt = 0; attempt <= endpoint.retries; attempt++) {
      let wait = endpoint.retryDelayMs * 2 ** attempt;
      try {
        const res = await once(body, signal);
        const text = await readBody(res, signal, endpoint.timeoutMs, where);
        if (res.ok) return parseJson(text, where);
        const detail = errorDetail(text);
        if (res.status === 401 || res.status === 403) {
          throw new CaptionerError(`${where} refused the request (HTTP ${res.status}${detail}). Check the API key in the captioner settings.`, { fatal: true });
        }
        if (res.status === 404) {
          throw new CaptionerError(
            `${where} has no chat-completions endpoint or no model "${endpoint.model}" (HTTP 404${detail}). Check the URL and the model name.`,
            { fatal: true },
          );
        }
        if (res.status !== 429 && res.status < 500) {
          throw new CaptionerError(`${where} rejected the request (HTTP ${res.status}${detail}). Does "${endpoint.model}" accept images?`, { fatal: false });
        }
        lastProblem = `${where} answered HTTP ${res.status}${detail}`;
        const after = Number(res.headers.get('retry-after'));
        if (Number.isFinite(after) && after > 0) wait = Math.min(after * 1000, 60_000);
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        lastProblem = err.message;
      }
      if (attempt < endpoint.retries) await sleep(wait, signal);
    }
    const tries = endpoint.retries + 1;
    throw new CaptionerError(`${lastProblem} (tried ${tries} time${tries === 1 ? '' : 's'}). The server may be overloaded or still loading the model; try again later or raise the timeout.`, { fatal: false });
  }

  return {
    source: 'vlm',
    label,
    concurrency: Math.max(1, endpoint.concurrency),
    async caption(image, ctx, signal) {
      const jpeg = await sharp(image.path)
        .rotate()
        .resize(endpoint.imageSize, endpoint.imageSize, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 90 })
        .toBuffer();
      const body = JSON.stringify({
        model: endpoint.model,
        max_tokens: endpoint.maxTokens,
        temperature: 0.2,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: visionPrompt(endpoint.prompt, ctx.trigger, ctx.type) },
              { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}` } },
            ],
          },
        ],
      });
      const content = messageContent(await request(body, signal), where);
      // Models forget instructions; the trigger is what the LoRA is trained on, so it is put back when missing.
      return insertTrigger(cleanCaption(content), ctx.trigger, ctx.type).text;
    },
    async close() {},
  };
}

class Retryable extends Error {}

async function readBody(res: Response, signal: AbortSignal, timeoutMs: number, where: string): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new Retryable(`${where} stopped sending its answer (${(err as Error).message}; limit ${seconds(timeoutMs)})`);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CaptionerError(
      `${where} answered with something that is not JSON ("${text.slice(0, 80).replace(/\s+/g, ' ')}…"). Is this an OpenAI-compatible endpoint?`,
      { fatal: false },
    );
  }
}

function messageContent(json: unknown, where: string): string {
  const choice = (json as { choices?: { message?: { content?: unknown } }[] } | null)?.choices?.[0];
  const content = choice?.message?.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('')
        : null;
  if (text === null) {
    throw new CaptionerError(`${where} answered JSON without choices[0].message.content; it does not speak the OpenAI chat-completions format.`, { fatal: false });
  }
  if (text.trim() === '') throw new CaptionerError(`${where} returned an empty caption; the model may not accept images.`, { fatal: false });
  return text;
}

/** Strips what chat models wrap around an answer: "Caption:", quotes, line breaks. */
export function cleanCaption(text: string): string {
  return text
    .replace(/^\s*(caption|description)\s*:\s*/i, '')
    .replace(/\s*\n+\s*/g, ' ')
    .trim()
    .replace(/^["“'](.*)["”']$/s, '$1')
    .trim();
}

function errorDetail(text: string): string {
  try {
    const msg = (JSON.parse(text) as { error?: { message?: unknown } | string }).error;
    const m = typeof msg === 'string' ? msg : msg?.message;
    return typeof m === 'string' && m ? `: ${m.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
