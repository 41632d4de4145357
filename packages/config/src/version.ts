/** The product version, sent in the worker's User-Agent and shown by /health. */
export const VERSION = '1.0.0';
