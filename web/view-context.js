// @ts-check
// What the shell hands every view: whether it is still on screen, where errors go, how to move on.

/**
 * @typedef {object} ViewContext
 * @property {() => boolean} isCurrent false once the analyst has navigated away: drop late answers
 * @property {(error: unknown) => void} fail shows the error (and signs out on 401)
 * @property {(message: string) => void} flash a short confirmation
 * @property {(hash: string) => void} navigate
 * @property {() => void} reload renders the current route again
 * @property {() => number} now epoch ms
 */

export {};
