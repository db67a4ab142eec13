/** The label on every object kaas applies for an add-on; removal deletes nothing without it. */
export const ADDON_LABEL = 'kaas.dev/addon';
