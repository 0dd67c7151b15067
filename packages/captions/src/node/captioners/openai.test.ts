import { afterEach, describe, expect, it } from 'vitest';
import { answer, startVisionServer, type Reply } from '../../../test/fake-vision-server';
import { BLUE, GREY, projectWithImages, RED } from '../../../test/project';
import { runAutoCaption } from '../auto-caption';
import { ProjectCaptions } from '../project-captions';
import { chatCompletionsUrl, defaultVisionEndpoint, openAiCaptioner } from './openai';

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(reply: Reply) {
  const s = await startVisionServer(reply);
  servers.push(s);
  return s;
}

const fast = { ...defaultVisionEndpoint, timeoutMs: 2000, retries: 2, retryDelayMs: 5, model: 'qwen2.5-vl' };
const ctx = { trigger: 'sks', type: 'subject' as const };
const signal = new AbortController().signal;

async function oneImage() {
  const p = await projectWithImages([{ name: 'a.png', colour: RED }]);
  return { imageId: p.ids[0]!, path: `${p.dir}/${p.store.db.prepare('SELECT file FROM images').pluck().get() as string}`, width: 32, height: 24, metrics: null };
}

describe('OpenAI-compatible vision captioner', () => {
  it('sends the image, the model, the prompt and the key, and returns the cleaned caption', async () => {
    const s = await server((_req, _n, res) => answer(res, 'Caption: "a photo of sks person standing in a garden,\nsoft light"'));
    const captioner = openAiCaptioner({ ...fast, url: `${s.url}/v1`, apiKey: 'k-123' });
    expect(await captioner.caption(await oneImage(), ctx, signal)).toBe('a photo of sks person standing in a garden, soft light');
    const req = s.requests[0]!;
    expect(req.body.model).toBe('qwen2.5-vl');
    expect(req.authorization).toBe('Bearer k-123');
    expect(req.colour).toBe('red');
    expect(req.body.messages[0]!.content[0]!.text).toContain('"a photo of sks person"');
  });

  it('puts the trigger back when the model leaves it out', async () => {
    const s = await server((_req, _n, res) => answer(res, 'A woman standing in a garden.'));
    const captioner = openAiCaptioner({ ...fast, url: s.url });
    expect(await captioner.caption(await oneImage(), ctx, signal)).toBe('a photo of sks person, a woman standing in a garden.');
  });

  it('retries 429 and 500 and then succeeds', async () => {
    const s = await server((_req, n, res) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '0' }).end('{"error":{"message":"slow down"}}');
      else if (n === 2) res.writeHead(500).end('oops');
      else answer(res, 'a photo of sks person on a bench');
    });
    const captioner = openAiCaptioner({ ...fast, url: s.url });
    expect(await captioner.caption(await oneImage(), ctx, signal)).toBe('a photo of sks person on a bench');
    expect(s.requests).toHaveLength(3);
  });

  it('gives up after the retries with the last status in the message', async () => {
    const s = await server((_req, _n, res) => void res.writeHead(503).end('{"error":"model is loading"}'));
    const captioner = openAiCaptioner({ ...fast, url: s.url });
    await expect(captioner.caption(await oneImage(), ctx, signal)).rejects.toThrow(/HTTP 503: model is loading \(tried 3 times\)/);
    expect(s.requests).toHaveLength(3);
  });

  it('times out a slow server, retrying before it gives up', async () => {
    const s = await server(async (_req, _n, res) => {
      await new Promise((r) => setTimeout(r, 1500));
      if (!res.destroyed) answer(res, 'too late');
    });
    const captioner = openAiCaptioner({ ...fast, url: s.url, timeoutMs: 100, retries: 1 });
    await expect(captioner.caption(await oneImage(), ctx, signal)).rejects.toThrow(/did not answer within 0\.1 s \(tried 2 times\)/);
    expect(s.requests).toHaveLength(2);
  });

  it('says clearly when the answer is not JSON, or not a chat completion, without retrying', async () => {
    const garbage = await server((_req, _n, res) => void res.writeHead(200).end('<html>proxy error</html>'));
    const e1 = openAiCaptioner({ ...fast, url: garbage.url }).caption(await oneImage(), ctx, signal);
    await expect(e1).rejects.toThrow(/not JSON \("<html>proxy error<\/html>…"\)/);
    expect(garbage.requests).toHaveLength(1);
    const wrong = await server((_req, _n, res) => void res.writeHead(200).end('{"result":"a cat"}'));
    await expect(openAiCaptioner({ ...fast, url: wrong.url }).caption(await oneImage(), ctx, signal)).rejects.toThrow(
      /without choices\[0\]\.message\.content/,
    );
  });

  it('reports a server that is gone, a rejected key and a bad URL as fatal', async () => {
    const s = await startVisionServer((_req, _n, res) => answer(res, 'x'));
    await s.close();
    const gone = openAiCaptioner({ ...fast, url: s.url }).caption(await oneImage(), ctx, signal);
    await expect(gone).rejects.toMatchObject({ fatal: true, message: expect.stringMatching(/Could not reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/) });
    const locked = await server((_req, _n, res) => void res.writeHead(401).end('{"error":{"message":"invalid api key"}}'));
    await expect(openAiCaptioner({ ...fast, url: locked.url }).caption(await oneImage(), ctx, signal)).rejects.toMatchObject({
      fatal: true,
      message: expect.stringMatching(/HTTP 401: invalid api key\)\. Check the API key/),
    });
    expect(() => chatCompletionsUrl('localhost:11434')).toThrow(/not an http\(s\) address|not a URL/);
    expect(chatCompletionsUrl('http://h:1/v1/')).toBe('http://h:1/v1/chat/completions');
    expect(chatCompletionsUrl('http://h:1')).toBe('http://h:1/v1/chat/completions');
  });
});

describe('auto-caption job against the vision server', () => {
  it('writes the captions that succeed, reports the ones that fail, and is one undo step', async () => {
    const { dir, store, ids } = await projectWithImages([
      { name: 'a.png', colour: RED },
      { name: 'b.png', colour: BLUE },
      { name: 'c.png', colour: RED },
      { name: 'd.png', colour: GREY },
    ]);
    const captions = new ProjectCaptions(store);
    const [a, b, c, d] = ids as [number, number, number, number];
    captions.write('Edit caption', 'edit', [{ imageId: d, text: 'a photo of sks person, my own words', reviewed: true }]);
    const s = await server((req, _n, res) =>
      req.colour === 'blue' ? void res.writeHead(200).end('not json at all') : answer(res, 'a photo of sks person in red light'),
    );
    const progress: number[] = [];
    const result = await runAutoCaption({
      projectDir: dir,
      captions,
      captioner: openAiCaptioner({ ...fast, url: s.url, concurrency: 2 }),
      trigger: 'sks',
      type: 'subject',
      policy: 'unreviewed',
      signal,
      onProgress: (p) => progress.push(p.done),
    });
    expect(result).toMatchObject({ total: 3, captioned: 2, skipped: 1, cancelled: false, stoppedBy: null });
    expect(result.failed).toEqual([{ imageId: b, message: expect.stringMatching(/not JSON/) }]);
    expect(progress).toEqual([1, 2, 3]);
    expect(captions.get(a)).toMatchObject({ text: 'a photo of sks person in red light', source: 'vlm', reviewed: false });
    expect(captions.get(c)!.source).toBe('vlm');
    expect(captions.get(b)!.text).toBeNull();
    expect(captions.get(d)).toMatchObject({ text: 'a photo of sks person, my own words', reviewed: true });
    expect(captions.history().undo).toBe(`Auto-caption (qwen2.5-vl at ${new URL(s.url).host})`);
    captions.undo();
    expect([a, b, c].map((id) => captions.get(id)!.text)).toEqual([null, null, null]);
  });

  it('stops at once when the server is gone and leaves the project as it was', async () => {
    const { dir, store } = await projectWithImages([
      { name: 'a.png', colour: RED },
      { name: 'b.png', colour: BLUE },
    ]);
    const captions = new ProjectCaptions(store);
    const s = await startVisionServer((_req, _n, res) => answer(res, 'x'));
    await s.close();
    const result = await runAutoCaption({
      projectDir: dir,
      captions,
      captioner: openAiCaptioner({ ...fast, url: s.url, concurrency: 1 }),
      trigger: 'sks',
      type: 'subject',
      policy: 'missing',
      signal,
    });
    expect(result.stoppedBy).toMatch(/Could not reach/);
    expect(result.captioned).toBe(0);
    expect(result.failed).toHaveLength(1);
    expect(captions.list().every((e) => e.text === null)).toBe(true);
    expect(captions.history()).toEqual({ undo: null, redo: null });
  });

  it('cancels: keeps finished captions, writes nothing after the cancel', async () => {
    const { dir, store } = await projectWithImages(Array.from({ length: 4 }, (_, i) => ({ name: `${i}.png`, colour: RED })));
    const captions = new ProjectCaptions(store);
    const cancel = new AbortController();
    const s = await server(async (_req, n, res) => {
      if (n === 2) cancel.abort();
      await new Promise((r) => setTimeout(r, 20));
      if (!res.destroyed) answer(res, 'a photo of sks person');
    });
    const result = await runAutoCaption({
      projectDir: dir,
      captions,
      captioner: openAiCaptioner({ ...fast, url: s.url, concurrency: 1 }),
      trigger: 'sks',
      type: 'subject',
      policy: 'missing',
      signal: cancel.signal,
    });
    expect(result).toMatchObject({ cancelled: true, captioned: 1, stoppedBy: null });
    expect(captions.list().filter((e) => e.text !== null)).toHaveLength(1);
    expect(s.requests).toHaveLength(2);
  });
});
