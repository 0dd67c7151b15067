/**
 * No remote content: scripts, styles, images and connections only from the studio itself
 * (images also as blob:/data: for previews). The same policy is set by the Electron window.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data: lora-media:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:* ws:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
