/** "Duplicate event detected within 24-hour window", in the configured window's own unit. */
export function duplicateMessage(windowSeconds: number): string {
  const window =
    windowSeconds % 3600 === 0
      ? `${windowSeconds / 3600}-hour`
      : windowSeconds % 60 === 0
        ? `${windowSeconds / 60}-minute`
        : `${windowSeconds}-second`;
  return `Duplicate event detected within ${window} window`;
}
