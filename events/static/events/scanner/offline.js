/* Offline scanning for the scan page: this phone's registration as a scanner device, the event's
   offline pack, judging a personal code without the server, the queue of scans and its upload.
   Exposed as window.ScannerOffline(config), where config is the page's "scanner-config". */
(function () {
  var CODE = /^P1\.(\d{1,5})\.(\d{1,12})\.(\d{1,9})\.(\d{1,12})\.([A-Za-z0-9_-]{86})$/;
  var BATCH = 200;  // scans per upload: well under the server's limit, small enough for one bar of signal
  var store = window.ScannerStore;

  function b64(bytes) {
    var text = "";
    bytes.forEach(function (byte) { text += String.fromCharCode(byte); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64(text) {
    var plain = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    var bytes = new Uint8Array(plain.length);
    for (var i = 0; i < plain.length; i++) bytes[i] = plain.charCodeAt(i);
    return bytes;
  }
  function csrfToken(fallback) {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : fallback;
  }

  function ScannerOffline(config, csrf) {
    var keys = {};  // generation -> imported CryptoKey, for the pack in use
    var self = {device: null, pack: null, downloadedAt: null, offset: 0};

    // Every call to the scanner API names the device and this phone's clock (the server learns
    // the clock's offset from it); a call that takes longer than the timeout counts as no network.
    function call(url, options) {
      options = options || {};
      var headers = {"Accept": "application/json", "X-CSRFToken": csrfToken(csrf), "X-Device-Time": new Date().toISOString()};
      if (self.device) headers["X-Scanner-Device"] = self.device.id + "." + self.device.secret;
      if (options.body) headers["Content-Type"] = "application/json";
      var controller = new AbortController();
      var timer = setTimeout(function () { controller.abort(); }, options.timeout || config.timeout_ms);
      return fetch(url, {
        method: options.method || "GET", credentials: "same-origin", headers: headers,
        body: options.body ? JSON.stringify(options.body) : undefined, signal: controller.signal,
      }).then(function (response) {
        clearTimeout(timer);
        if (response.status >= 500) throw new Error("server unavailable");
        return response.json().catch(function () { return {}; }).then(function (answer) {
          return {status: response.status, answer: answer};
        });
      }, function (error) { clearTimeout(timer); throw error; });
    }

    self.load = function () {
      return Promise.all([store.get("meta", "device"), store.get("packs", config.event), store.get("meta", "offset")])
        .then(function (found) {
          self.device = found[0] || null;
          self.pack = found[1] ? found[1].pack : null;
          self.downloadedAt = found[1] ? found[1].downloadedAt : null;
          self.offset = found[2] || 0;
          keys = {};
          return self;
        });
    };

    self.register = function (unit, name) {
      return call(config.urls.devices, {method: "POST", body: {unit: unit, name: name}}).then(function (reply) {
        if (reply.status !== 201) return reply;
        self.device = {id: reply.answer.id, secret: reply.answer.secret, name: reply.answer.name, unit: reply.answer.unit};
        return store.put("meta", self.device, "device").then(function () { return reply; });
      });
    };

    // Downloads the pack; the server's time against this phone's (at the middle of the request)
    // gives the clock offset used to judge phone codes' windows.
    self.download = function () {
      var sent = Date.now();
      // Up to 500 KB over one bar of signal: a slow download is not a dead network.
      return call(config.urls.pack, {timeout: 60000}).then(function (reply) {
        if (reply.status !== 200) return reply;
        var received = Date.now(), offset = Date.parse(reply.answer.server_time) - (sent + received) / 2;
        self.pack = reply.answer; self.downloadedAt = received; self.offset = isNaN(offset) ? 0 : offset;
        keys = {};
        return Promise.all([
          store.put("packs", {event: config.event, pack: self.pack, downloadedAt: received}),
          store.put("meta", self.offset, "offset"),
        ]).then(function () { return reply; });
      });
    };

    // A few bytes: whether the server answers (and whether this phone is still allowed to scan).
    self.ping = function () { return call(config.urls.ping); };

    self.clockOff = function () {
      return self.pack && Math.abs(self.offset) > self.pack.clock_bound_seconds * 1000;
    };

    function key(generation) {
      if (!keys[generation]) {
        var entry = self.pack.keys.filter(function (item) { return item.generation === generation; })[0];
        if (!entry) return Promise.resolve(null);
        keys[generation] = crypto.subtle.importKey("raw", unb64(entry.public_key), {name: "Ed25519"}, false, ["verify"]);
      }
      return keys[generation];
    }

    function isOpen(action, now) {
      var event = self.pack.event, opens = Date.parse(event.checkin_opens_at);
      if (event.status !== "published") return false;
      var closes = Date.parse(action === "in" ? (event.checkin_closes_at || event.ends_at) : event.checkout_closes_at);
      return opens <= now && now <= closes;
    }

    // What the server would answer, as far as the pack knows: {ok, kind, volunteer, name, walk_in_offer}.
    // Refusals here are certain (a forged, expired or revoked code; a closed window; no sign-up
    // where walk-ins are off); the rest (capacity, overlap, age) the server judges at the merge.
    self.judge = function (code, action, walkIn, queued) {
      var match = CODE.exec(code);
      if (!self.pack) return Promise.resolve({ok: false, kind: "not_prepared"});
      // Only the canonical text of a signature, as the server (events.offline_codes.parse) accepts.
      if (!match || b64(unb64(match[5])) !== match[5]) return Promise.resolve({ok: false, kind: "token_invalid"});
      var generation = +match[1], volunteer = +match[2], serial = +match[3], window_ = +match[4];
      var body = code.slice(0, code.lastIndexOf("."));
      return Promise.resolve(key(generation)).then(function (publicKey) {
        if (!publicKey) return false;
        return crypto.subtle.verify({name: "Ed25519"}, publicKey, unb64(match[5]), new TextEncoder().encode(body));
      }).then(function (valid) {
        var now = Date.now() + self.offset;
        if (!valid) return {ok: false, kind: "token_invalid"};
        if (serial === 0) {
          var age = Math.floor(now / 1000 / self.pack.window_seconds) - window_;
          // One window ahead is the volunteer's phone running a little ahead of this one.
          if (window_ === 0 || age < -1) return {ok: false, kind: "token_invalid"};
          if (age >= self.pack.accepted_windows) return {ok: false, kind: "token_expired"};
        } else if (window_ !== 0) {
          return {ok: false, kind: "token_invalid"};
        }
        var revoked = self.pack.revoked_cards.some(function (card) { return card[0] === volunteer && card[1] === serial; });
        if (revoked) return {ok: false, kind: "card_revoked", volunteer: volunteer};
        if (!isOpen(action, now)) return {ok: false, kind: "event_not_open", volunteer: volunteer};
        var signup = self.pack.signups.filter(function (row) { return row[0] === volunteer; })[0];
        if (signup) return {ok: true, volunteer: volunteer, name: signup[1]};
        var walkedIn = queued.some(function (scan) { return scan.walk_in && scan.volunteer === volunteer && scan.event === config.event; });
        var event = self.pack.event;
        if (walkedIn || !event.signup_required || (walkIn && event.walk_ins_allowed)) {
          return {ok: true, volunteer: volunteer, name: "", walk_in: walkIn && event.signup_required && !walkedIn};
        }
        return {ok: false, kind: "not_signed_up", volunteer: volunteer, walk_in_offer: !!event.walk_ins_allowed};
      }, function () { return {ok: false, kind: "no_webcrypto"}; });
    };

    self.enqueue = function (code, action, verdict) {
      var nonce = b64(crypto.getRandomValues(new Uint8Array(16)));
      return store.enqueue({
        nonce: nonce, event: config.event, code: code, action: action, walk_in: !!verdict.walk_in,
        device_time: new Date().toISOString(),
        // Kept on the phone only, to show the scan: never sent.
        volunteer: verdict.volunteer, name: verdict.name,
      });
    };

    // Sends the queue in counter order, batch by batch, and drops what the server stored (new or
    // already stored). Resolves {status, results, stored} of the last call; a cut leaves the rest queued.
    self.upload = function (onBatch) {
      return store.queued().then(function (queue) {
        if (!queue.length) return {status: 200, results: []};
        var batch = queue.slice(0, BATCH), sent = {};
        batch.forEach(function (scan) { sent[scan.nonce] = scan; });
        var scans = batch.map(function (scan) {
          return {nonce: scan.nonce, counter: scan.counter, event: scan.event, code: scan.code,
                  action: scan.action, walk_in: scan.walk_in, device_time: scan.device_time};
        });
        return call(config.urls.upload, {method: "POST", body: {sent_at: new Date().toISOString(), scans: scans}, timeout: 30000})
          .then(function (reply) {
            if (reply.status !== 200) return reply;
            var results = (reply.answer.results || []).filter(function (result) { return sent[result.nonce]; });
            results.forEach(function (result) { result.scan = sent[result.nonce]; });
            return store.remove(results.map(function (result) { return result.nonce; })).then(function () {
              if (onBatch) onBatch(results);
              return results.length && queue.length > batch.length ? self.upload(onBatch) : reply;
            });
          });
      });
    };

    self.wipe = function () {
      self.device = null; self.pack = null; keys = {};
      return store.wipe();
    };
    return self;
  }
  window.ScannerOffline = ScannerOffline;
})();
