// The upload page. It asks this site's credential service for an upload credential, then sends
// the file straight to the vendor's storage with the vendor's own browser client: ali-oss for an
// Aliyun OSS target, wcs-js-sdk for a Wangsu one. The service hands out short-lived credentials,
// so the page comes back for a fresh one, with the refresh ticket it got, while the upload runs.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const MiB = 1024 * 1024;
  // OSS parts: 1 MiB (ali-oss's browser default), three at a time.
  const OSS_PART_SIZE = MiB;
  const OSS_PARALLEL = 3;

  // The vendors' browser clients, served by the service from web/node_modules (npm ci).
  const CLIENTS = {
    oss: { script: '/vendor/aliyun-oss-sdk.min.js', global: 'OSS', label: 'Aliyun OSS' },
    wangsu_storage: { script: '/vendor/wcs.min.js', global: 'wcs', label: 'Wangsu storage' },
  };

  /** POSTs JSON to the service; a non-2xx answer becomes an Error carrying its JSON error. */
  async function post(path, body) {
    let answer;
    try {
      answer = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new Error(`The upload service cannot be reached (${path}): ${e.message}`);
    }
    let json = null;
    try {
      json = await answer.json();
    } catch (_) {
      // Not JSON: reported by status below.
    }
    if (!answer.ok) {
      const err = json && json.error;
      // The service's messages start with the error kind (`unauthenticated: ...`).
      const why = err ? err.message : answer.statusText;
      throw new Error(`The upload service refused ${path} (${answer.status}): ${why}`);
    }
    return json;
  }

  /** Loads a vendor client once; resolves to its global. */
  function loadClient(client) {
    if (window[client.global]) return Promise.resolve(window[client.global]);
    return new Promise((resolve, reject) => {
      const tag = document.createElement('script');
      tag.src = client.script;
      tag.onload = () => resolve(window[client.global]);
      tag.onerror = () =>
        reject(new Error(`The ${client.label} client (${client.script}) did not load; was npm ci run in web/?`));
      document.head.appendChild(tag);
    });
  }

  /** How often to refresh: halfway through a credential's life, between 1 s and 5 min. */
  function refreshInterval(credential) {
    const life = Date.parse(credential.expires_at) - Date.parse(credential.issued_at);
    return Math.min(5 * 60 * 1000, Math.max(1000, life / 2));
  }

  /** True for an endpoint addressed by IP or localhost, which takes the bucket in the path. */
  function pathStyle(endpoint) {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || /^[\d.]+$/.test(host) || host.startsWith('[');
  }

  function fmtBytes(n) {
    if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
    if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${n} B`;
  }

  /** The progress display: bar, bytes, rate. */
  function progressView(size) {
    const started = performance.now();
    return (loaded) => {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? loaded / seconds : 0;
      $('bar').value = size ? (100 * loaded) / size : 100;
      $('bytes').textContent = `${fmtBytes(loaded)} of ${fmtBytes(size)} · ${fmtBytes(Math.round(rate))}/s`;
    };
  }

  let refreshes = 0;
  /** Gets a fresh credential for this upload from the service, with the ticket. */
  async function refresh(ticket) {
    const { credential } = await post('/uploads/refresh', { refresh_ticket: ticket });
    refreshes += 1;
    $('refreshes').textContent = `Credential refreshed ${refreshes} time${refreshes === 1 ? '' : 's'}.`;
    return credential;
  }

  async function uploadOss(file, credential, ticket, onProgress) {
    const OSS = await loadClient(CLIENTS.oss);
    const t = credential.target;
    const region = t.region && (t.region.startsWith('oss-') ? t.region : `oss-${t.region}`);
    const client = new OSS({
      endpoint: t.endpoint,
      region,
      bucket: t.bucket,
      secure: t.endpoint.startsWith('https:'),
      // An IP endpoint (the emulator) is addressed path style: /bucket/key.
      sldEnable: pathStyle(t.endpoint),
      accessKeyId: t.access_key_id,
      accessKeySecret: t.access_key_secret,
      stsToken: t.security_token,
      authorizationV4: true,
      refreshSTSToken: async () => {
        const fresh = (await refresh(ticket)).target;
        return {
          accessKeyId: fresh.access_key_id,
          accessKeySecret: fresh.access_key_secret,
          stsToken: fresh.security_token,
        };
      },
      refreshSTSTokenInterval: refreshInterval(credential),
    });
    try {
      await client.multipartUpload(t.object_key, file, {
        partSize: OSS_PART_SIZE,
        parallel: OSS_PARALLEL,
        progress: (fraction) => onProgress(fraction * file.size),
      });
    } catch (e) {
      // ali-oss errors carry the storage's code, status and request id.
      const detail = [e.code, e.status && `HTTP ${e.status}`, e.requestId && `request ${e.requestId}`]
        .filter(Boolean)
        .join(', ');
      throw new Error(`${CLIENTS.oss.label} upload failed: ${e.message}${detail ? ` (${detail})` : ''}`);
    }
  }

  function uploadWangsu(file, credential, ticket, onProgress) {
    return loadClient(CLIENTS.wangsu_storage).then(
      (wcs) =>
        new Promise((resolve, reject) => {
          const t = credential.target;
          let timer = null;
          let settled = false;
          let retriedAfter401 = false;
          const finish = (err) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            if (err) reject(err);
            else resolve();
          };
          const stop = () => {
            try {
              upload.stop();
            } catch (_) {
              // Nothing in flight.
            }
          };
          // A new token for the blocks and the mkfile still to come (block contexts outlive it).
          const renew = async () => {
            const fresh = await refresh(ticket);
            upload.token = fresh.target.upload_token;
            return fresh;
          };
          const schedule = (cred) => {
            timer = setTimeout(async () => {
              try {
                schedule(await renew());
              } catch (e) {
                finish(e);
                stop();
              }
            }, refreshInterval(cred));
          };
          const upload = wcs.wcsUpload(file, t.upload_token, t.upload_url, {}, {
            uploadProgress: (p) => onProgress(Math.min(p.total.loaded, file.size)),
            onComplete: () => finish(null),
            onError: async (e) => {
              if (settled) return;
              // The token expired before the timer renewed it: renew once and carry on; the
              // client keeps the blocks it already sent.
              if (e && e.code === 401 && !retriedAfter401) {
                retriedAfter401 = true;
                try {
                  await renew();
                  upload.putFile();
                  return;
                } catch (refreshError) {
                  finish(refreshError);
                  return;
                }
              }
              const code = e && e.code ? ` (HTTP ${e.code})` : '';
              finish(new Error(`${CLIENTS.wangsu_storage.label} upload failed${code}: ${(e && e.message) || e}`));
            },
          });
          if (!upload) {
            finish(new Error('The Wangsu client refused the file.'));
            return;
          }
          schedule(credential);
          upload.putFile();
        }),
    );
  }

  function show(state) {
    document.body.dataset.state = state;
    $('start').disabled = state === 'uploading';
    $('file').disabled = state === 'uploading';
  }

  async function start(file) {
    $('done').hidden = true;
    $('error').hidden = true;
    $('progress').hidden = false;
    $('refreshes').textContent = '';
    refreshes = 0;
    show('uploading');
    const onProgress = progressView(file.size);
    onProgress(0);
    try {
      $('target').textContent = 'Asking for an upload credential…';
      const { credential, refresh_ticket: ticket } = await post('/uploads', {
        file_name: file.name,
        title: file.name,
        size: file.size,
      });
      const kind = credential.target.type;
      const client = CLIENTS[kind];
      if (!client) throw new Error(`This page cannot upload to a "${kind}" target.`);
      $('target').textContent = `Uploading to ${client.label} as media ${credential.media_id}`;
      if (kind === 'oss') await uploadOss(file, credential, ticket, onProgress);
      else await uploadWangsu(file, credential, ticket, onProgress);
      onProgress(file.size);
      $('media-id').textContent = credential.media_id;
      $('done').hidden = false;
      show('done');
    } catch (e) {
      $('error').textContent = e.message || String(e);
      $('error').hidden = false;
      show('failed');
    }
  }

  $('upload-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const file = $('file').files[0];
    if (file) start(file);
  });
})();
