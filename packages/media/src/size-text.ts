/** A byte count as users read it in a message: "12 KB", "300 MB". Rounded up below a megabyte so 100 bytes is not "0". */
export function sizeText(bytes: number): string {
  return bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
