/** A QR code of `text` as PNG bytes, made in-process (no outside service ever sees the text). qrcode is loaded on first use. */
export async function qrPng(text: string): Promise<Uint8Array> {
  const { default: QRCode } = await import("qrcode");
  const png = await QRCode.toBuffer(text, { type: "png", errorCorrectionLevel: "M", margin: 2, width: 320 });
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
