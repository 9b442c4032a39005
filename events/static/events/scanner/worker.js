/* The scan page's service worker (served at /scanner-sw.js, which prepends self.SCANNER:
   {version, shell, pagesCache, timeoutMs}).

   The scan page is network-first: a fresh page (and CSRF token) whenever the network answers within
   the timeout, else the copy kept from the last visit. Its files (shell) are kept at install and
   served from the cache at once, refreshed behind the page, so a village with one bar of signal
   does not wait on them. Everything else (the API, other pages) is left to the network. */
var SHELL_CACHE = "scanner-shell-" + self.SCANNER.version;
var SCAN_PAGE = /^\/events\/\d+\/scan\/$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(self.SCANNER.shell);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("scanner-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
                 function (error) { clearTimeout(timer); reject(error); });
  });
}

function scanPage(request) {
  var url = new URL(request.url);
  var key = url.origin + url.pathname;  // the page without its query (?action=out opens the same shell)
  var network = fetch(request).then(function (response) {
    // A redirect (to the login page) or an error is not a scan page: never keep it.
    if (response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(self.SCANNER.pagesCache).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  });
  return withTimeout(network, self.SCANNER.timeoutMs).catch(function () {
    return caches.open(self.SCANNER.pagesCache).then(function (cache) { return cache.match(key); })
      .then(function (kept) { return kept || network; });
  });
}

function shellFile(event) {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(event.request).then(function (kept) {
      var fresh = fetch(event.request).then(function (response) {
        if (response.ok) cache.put(event.request, response.clone());
        return response;
      });
      if (kept) {
        event.waitUntil(fresh.catch(function () { /* offline: the kept copy serves */ }));
        return kept;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && SCAN_PAGE.test(url.pathname)) {
    event.respondWith(scanPage(request));
  } else if (self.SCANNER.shell.indexOf(url.pathname) !== -1) {
    event.respondWith(shellFile(event));
  }
});
