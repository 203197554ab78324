// The upload page end to end in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download): the credential service in front of the emulator, the
// vendors' own browser clients uploading to the emulator's upload hosts over loopback.
//
// For each vendor: a 50 KiB file and a 12 MiB file (multipart / blocks) arrive with the files'
// MD5; with 10-second credentials and a slowed upload host, the page refreshes through the service
// with its ticket mid-upload and still completes; a page whose ticket was altered on the way
// shows an error instead of hanging. Screenshots go to target/browser-upload/.
//
// Needs the binaries built first:
//   cargo build -p vod-emulator --bin vod-emulator && cargo build --example credential_service
// then, in web/: npm ci && npm test
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR || path.join(REPO, 'target');
const EMULATOR_BIN = process.env.VOD_EMULATOR_BIN || path.join(TARGET, 'debug/vod-emulator');
const SERVICE_BIN = process.env.CREDENTIAL_SERVICE_BIN || path.join(TARGET, 'debug/examples/credential_service');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(TARGET, 'browser-upload');

// Credential lifetime (both vendors), and how long each slowed storage request stalls. The page
// refreshes at half the lifetime (5 s); each slowed upload outlives its first credential, and
// every request still reaches the host seconds before the credential it was signed with expires:
// - OSS: 14 requests (initiate, 12 parts of 1 MiB three at a time, complete) of 2.5 s each take
//   about 15 s; a request signed just before a refresh (5 s after the last) is checked 2.5 s later.
// - Wangsu: the 3 blocks go at once and are checked at 6.5 s (token valid to 10 s); mkfile starts
//   at 6.5 s with the token renewed at 5 s and is checked at 13 s, after the first token expired.
const TTL_SECONDS = 10;
const OSS_STALL_MS = 2500;
const WANGSU_STALL_MS = 6500;
// A page that neither finishes nor fails within this is a hang.
const PAGE_DEADLINE_MS = 60_000;

const KiB = 1024;
const MiB = 1024 * KiB;
const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves with the stdout lines read until `ready(lines)` is true. */
function start(name, bin, args, env, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines = [];
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', (e) => reject(new Error(`${name}: cannot start ${bin}: ${e.message}`)));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${stderr}`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (ready(lines)) resolve({ child, lines, stderr: () => stderr });
    });
  });
}

async function startEmulator(origins) {
  const any = '127.0.0.1:0';
  const args = ['--aliyun-addr', any, '--wangsu-addr', any, '--oss-addr', any, '--wangsu-upload-addr', any,
    '--sts-ttl', String(TTL_SECONDS), '--token-ttl', String(TTL_SECONDS)];
  for (const origin of origins) args.push('--cors-origin', origin);
  const { lines } = await start('vod-emulator', EMULATOR_BIN, args, { VOD_LOG: 'warn' }, (l) =>
    l.some((x) => x.startsWith('VOD_EMULATOR_KEYS=')),
  );
  const url = (name) => lines.find((l) => l.startsWith(`VOD_EMULATOR_${name}_URL=`)).split('=')[1];
  return { aliyun: url('ALIYUN'), wangsu: url('WANGSU'), oss: url('OSS'), wangsuUpload: url('WANGSU_UPLOAD') };
}

async function startService(dir, provider, apiUrl, port) {
  const section = provider === 'aliyun'
    ? `[aliyun]\naccess_key_id = "emulator-ak"\naccess_key_secret = "emulator-secret"\nendpoint = "${apiUrl}"\n`
    : `[wangsu]\naccess_key = "emulator-ak"\nsecret_key = "emulator-secret"\nendpoint = "${apiUrl}"\n`;
  const config = path.join(dir, `${provider}.toml`);
  await writeFile(config, `provider = "${provider}"\n\n${section}`);
  const env = { VOD_SERVICE_SECRET: randomBytes(32).toString('hex'), VOD_LOG: 'warn' };
  await start(`credential service (${provider})`, SERVICE_BIN, ['--config', config, '--listen', `127.0.0.1:${port}`], env,
    (l) => l.some((x) => x.startsWith('credential service for')));
  return `http://127.0.0.1:${port}`;
}

async function makeFile(dir, name, size) {
  const bytes = randomBytes(size);
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return { path: file, size, md5: createHash('md5').update(bytes).digest('hex') };
}

async function admin(host, method, pathname, body) {
  const answer = await fetch(`${host}/__emulator${pathname}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await answer.text();
  assert.ok(answer.ok, `${method} ${pathname}: ${answer.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Alters one character in the middle of a ticket, keeping it well-formed base64url. */
function tamper(ticket) {
  const i = Math.floor(ticket.length / 2);
  return ticket.slice(0, i) + (ticket[i] === 'A' ? 'B' : 'A') + ticket.slice(i + 1);
}

/** Uploads `file` through the page at `serviceUrl`; returns what the page ended up showing. */
async function uploadThroughPage(browser, serviceUrl, file, { tamperTicket = false, shot } = {}) {
  const context = await browser.newContext({ viewport: { width: 760, height: 560 } });
  const page = await context.newPage();
  const console_ = [];
  page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
  const refreshes = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/uploads/refresh') refreshes.push(r.status());
  });
  // What each storage request was signed with, in order (preflights carry no credential).
  const signedWith = [];
  page.on('request', (r) => {
    const auth = r.headers().authorization;
    if (!new URL(r.url()).pathname.startsWith('/uploads') && auth) signedWith.push(auth);
  });
  if (tamperTicket) {
    await page.route('**/uploads', async (route) => {
      const answer = await route.fetch();
      const json = await answer.json();
      json.refresh_ticket = tamper(json.refresh_ticket);
      await route.fulfill({ response: answer, json });
    });
  }
  await page.goto(serviceUrl);
  const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/uploads');
  await page.setInputFiles('#file', file.path);
  await page.click('#start');
  const { credential } = await (await created).json();
  try {
    await page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset.state), null, {
      timeout: PAGE_DEADLINE_MS,
    });
  } catch (e) {
    throw new Error(`the page hung (neither done nor failed in ${PAGE_DEADLINE_MS} ms); console:\n${console_.join('\n')}`);
  }
  const shown = await page.evaluate(() => ({
    state: document.body.dataset.state,
    mediaId: document.getElementById('media-id').textContent,
    error: document.getElementById('error').textContent,
    bytes: document.getElementById('bytes').textContent,
    refreshed: document.getElementById('refreshes').textContent,
  }));
  if (shot) {
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, shot) });
  }
  await context.close();
  return { ...shown, credential, refreshes, signedWith, console: console_ };
}

async function expectStored(host, vendor, key, file) {
  const objects = await admin(host, 'GET', '/storage');
  const found = objects.find((o) => o.vendor === vendor && o.key === key);
  assert.ok(found, `no ${vendor} object ${key} in ${JSON.stringify(objects)}`);
  assert.equal(found.size, file.size, `${key}: size`);
  assert.equal(found.md5, file.md5, `${key}: md5`);
}

function expectDone(result, what) {
  assert.equal(result.state, 'done', `${what}: the page failed: ${result.error}\n${result.console.join('\n')}`);
  assert.equal(result.mediaId, result.credential.media_id, `${what}: media id shown`);
}

const VENDORS = {
  aliyun: {
    storage: 'oss',
    host: (emu) => emu.oss,
    key: (credential) => credential.target.object_key,
    // `OSS4-HMAC-SHA256 Credential=<STS key id>/<date>/...`
    credentialIn: (auth) => /Credential=([^/]+)\//.exec(auth)?.[1],
    issued: (credential) => credential.target.access_key_id,
    stall: { host: 'oss', times: 14, kind: { type: 'stall', millis: OSS_STALL_MS } },
  },
  wangsu: {
    storage: 'wangsu',
    host: (emu) => emu.wangsuUpload,
    key: (credential) => credential.target.file_key,
    // `UpToken <token>` (blocks and mkfile; the small file's form carries it in the body)
    credentialIn: (auth) => auth.replace(/^UpToken /, ''),
    issued: (credential) => credential.target.upload_token,
    stall: { host: 'wangsu', times: 4, kind: { type: 'stall', millis: WANGSU_STALL_MS } },
  },
};

async function runVendor(browser, emulator, provider, serviceUrl, files) {
  const v = VENDORS[provider];
  const host = v.host(emulator);
  const step = (what) => console.log(`browser: ${provider}: ${what}`);

  step('50 KiB file');
  const small = await uploadThroughPage(browser, serviceUrl, files.small, { shot: `${provider}-small.png` });
  expectDone(small, `${provider} 50 KiB`);
  await expectStored(host, v.storage, v.key(small.credential), files.small);

  step(`12 MiB file, ${TTL_SECONDS} s credentials, slowed upload host`);
  await admin(host, 'POST', '/storage/faults', v.stall);
  const large = await uploadThroughPage(browser, serviceUrl, files.large, { shot: `${provider}-large.png` });
  await admin(host, 'DELETE', '/storage/faults');
  expectDone(large, `${provider} 12 MiB`);
  assert.ok(large.refreshes.length >= 1, `${provider}: the page never refreshed its credential`);
  assert.ok(large.refreshes.every((s) => s === 200), `${provider}: refresh statuses ${large.refreshes}`);
  await expectStored(host, v.storage, v.key(large.credential), files.large);
  // The last request (complete / mkfile) was signed with a refreshed credential, not the first.
  const first = v.credentialIn(large.signedWith[0]);
  const last = v.credentialIn(large.signedWith.at(-1));
  assert.equal(first, v.issued(large.credential), `${provider}: the first request's credential`);
  assert.notEqual(last, first, `${provider}: the last request still used the first credential`);
  step(`done, ${large.refreshes.length} refreshes: ${large.bytes}`);

  step('12 MiB file with an altered refresh ticket');
  await admin(host, 'POST', '/storage/faults', v.stall);
  const tampered = await uploadThroughPage(browser, serviceUrl, files.large, {
    tamperTicket: true,
    shot: `${provider}-tampered.png`,
  });
  await admin(host, 'DELETE', '/storage/faults');
  assert.equal(tampered.state, 'failed', `${provider}: a tampered ticket should fail, page shows ${tampered.state}`);
  assert.deepEqual(tampered.refreshes, [401], `${provider}: refresh statuses`);
  assert.match(tampered.error, /401.*unauthenticated/, `${provider}: the error shown`);
  step(`refused as expected: ${tampered.error}`);
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vod-browser-'));
  const [aliyunPort, wangsuPort] = [await freePort(), await freePort()];
  const services = { aliyun: `http://127.0.0.1:${aliyunPort}`, wangsu: `http://127.0.0.1:${wangsuPort}` };
  const emulator = await startEmulator(Object.values(services));
  await startService(dir, 'aliyun', emulator.aliyun, aliyunPort);
  await startService(dir, 'wangsu', emulator.wangsu, wangsuPort);
  const files = {
    small: await makeFile(dir, 'small-clip.mp4', 50 * KiB),
    large: await makeFile(dir, 'large-clip.mp4', 12 * MiB),
  };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const only = process.argv.slice(2);
    for (const provider of ['aliyun', 'wangsu']) {
      if (only.length && !only.includes(provider)) continue;
      await runVendor(browser, emulator, provider, services[provider], files);
    }
    console.log(`browser: all passed; screenshots in ${SHOTS}`);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main()
  .catch((e) => {
    console.error(`browser: FAILED: ${e.stack || e}`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill();
  });
