/**
 * Dragging a dataset thumbnail onto an image's reference slot: the drag carries the image's id under a type of our
 * own, so files dragged in from outside (an import) and other drags never look like one.
 */
export const IMAGE_DRAG_TYPE = 'application/x-lora-studio-image';

export function startImageDrag(data: DataTransfer, imageId: number): void {
  data.setData(IMAGE_DRAG_TYPE, String(imageId));
  data.effectAllowed = 'copy';
}

export function isImageDrag(data: DataTransfer): boolean {
  return data.types.includes(IMAGE_DRAG_TYPE);
}

/** The dragged image's id, or null when the drop carries none (readable on drop only). */
export function draggedImageId(data: DataTransfer): number | null {
  const id = Number(data.getData(IMAGE_DRAG_TYPE));
  return Number.isInteger(id) && id > 0 ? id : null;
}
