import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface VisionRequest {
  body: { model: string; messages: { content: { type: string; text?: string; image_url?: { url: string } }[] }[] };
  authorization: string | undefined;
  /** Which channel dominates the image sent, so a test can answer per image. */
  colour: 'red' | 'green' | 'blue';
}

export type Reply = (req: VisionRequest, n: number, res: ServerResponse) => void | Promise<void>;

/** A local server that speaks the OpenAI chat-completions protocol, answering with whatever the test scripts. */
export async function startVisionServer(reply: Reply) {
  const requests: VisionRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as VisionRequest['body'];
    const url = body.messages[0]!.content.find((p) => p.type === 'image_url')!.image_url!.url;
    const stats = await sharp(Buffer.from(url.split(',')[1]!, 'base64')).stats();
    const means = stats.channels.slice(0, 3).map((c) => c.mean);
    const colour = (['red', 'green', 'blue'] as const)[means.indexOf(Math.max(...means))]!;
    const r: VisionRequest = { body, authorization: req.headers.authorization, colour };
    requests.push(r);
    if (req.url !== '/v1/chat/completions') {
      res.writeHead(404).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    await reply(r, requests.length, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function answer(res: ServerResponse, content: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content } }] }));
}
