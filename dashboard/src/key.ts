// The API key the user entered: kept in session storage only, so it goes when
// the tab closes and never reaches local storage or a cookie.
const STORAGE_KEY = 'supply.apiKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
