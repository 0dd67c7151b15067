/** The reference slots' names, first to last (MAX_REFERENCE_IMAGES of them): the Dataset view's slots and Generate's picker say the same. */
export const REFERENCE_SLOT_NAMES = ['First', 'Second', 'Third'];
