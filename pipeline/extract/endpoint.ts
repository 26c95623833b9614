/**
 * The API's default endpoint, apart from the HTTP client so that the config can name it without
 * loading undici.
 */
export const DEFAULT_ENDPOINT = 'https://dyvmsapi.aliyuncs.com';
