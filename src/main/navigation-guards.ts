/*
 * What the window may open or navigate to, as plain functions so they are tested without Electron:
 * the app's own page only; an https link opens in the member's browser; everything else is refused.
 */

/** The app's page, whatever fragment it carries (the renderer never navigates away from it). */
export function isAppUrl(appUrl: string): (url: string) => boolean {
  return (url) => url.split('#')[0] === appUrl;
}

/** `setWindowOpenHandler`: never a new Electron window; an https link goes to the system browser. */
export function windowOpenHandler(openExternal: (url: string) => void): (details: { url: string }) => { action: 'deny' } {
  return ({ url }) => {
    if (isHttpsUrl(url)) openExternal(url);
    return { action: 'deny' };
  };
}

/** `will-navigate`: anything but the app's own page is prevented. */
export function navigationGuard(appUrl: string): (event: { preventDefault: () => void }, url: string) => void {
  const own = isAppUrl(appUrl);
  return (event, url) => {
    if (!own(url)) event.preventDefault();
  };
}

function isHttpsUrl(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
