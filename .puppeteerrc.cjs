/**
 * Puppeteer configuration, read when puppeteer installs and when it launches.
 * Where the system has Chromium (Debian: `apt-get install chromium`), use it and skip
 * Puppeteer's own browser download (which cannot reach its CDN on closed networks);
 * elsewhere (macOS, other Linux) Puppeteer downloads its browser as usual.
 */
const { existsSync } = require('node:fs');

const candidates = [process.env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const system = candidates.find((path) => path && existsSync(path));

module.exports = system ? { skipDownload: true, executablePath: system } : {};
