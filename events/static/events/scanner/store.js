/* The scanner's storage in IndexedDB (database "scanner"):
   - meta: "device" {id, secret, name, unit}, "counter" (the last scan's number on this device),
     "offset" (server clock minus this phone's, in ms, from the last pack);
   - packs: one offline pack per event {event, pack, downloadedAt};
   - queue: scans waiting for upload, by nonce, in the order of their counter.
   Exposed as window.ScannerStore; every function returns a promise. */
(function () {
  var NAME = "scanner", opened = null;

  function done(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function finished(transaction) {
    return new Promise(function (resolve, reject) {
      transaction.oncomplete = function () { resolve(); };
      transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
    });
  }
  function open() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var request = indexedDB.open(NAME, 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("meta");
          db.createObjectStore("packs", {keyPath: "event"});
          db.createObjectStore("queue", {keyPath: "nonce"}).createIndex("counter", "counter", {unique: true});
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }
  function run(stores, mode, work) {
    return open().then(function (db) {
      var transaction = db.transaction(stores, mode);
      work(transaction);
      return finished(transaction);
    });
  }
  function get(store, key) {
    return open().then(function (db) { return done(db.transaction(store).objectStore(store).get(key)); });
  }
  function put(store, value, key) {
    return run([store], "readwrite", function (transaction) {
      var target = transaction.objectStore(store);
      if (key === undefined) target.put(value); else target.put(value, key);
    });
  }
  function queued() {
    return open().then(function (db) {
      return done(db.transaction("queue").objectStore("queue").index("counter").getAll());
    });
  }
  function count() {
    return open().then(function (db) { return done(db.transaction("queue").objectStore("queue").count()); });
  }
  // Numbers the scan and queues it in one transaction, so two scans never share a counter
  // and a counter is never used twice, even if the page closes between them.
  function enqueue(scan) {
    var numbered = null;
    return run(["meta", "queue"], "readwrite", function (transaction) {
      var meta = transaction.objectStore("meta");
      meta.get("counter").onsuccess = function (event) {
        numbered = Object.assign({}, scan, {counter: (event.target.result || 0) + 1});
        meta.put(numbered.counter, "counter");
        transaction.objectStore("queue").add(numbered);
      };
    }).then(function () { return numbered; });
  }
  function remove(nonces) {
    return run(["queue"], "readwrite", function (transaction) {
      var queue = transaction.objectStore("queue");
      nonces.forEach(function (nonce) { queue.delete(nonce); });
    });
  }
  // A revoked device forgets everything: the queue, the packs, its secret and the kept pages.
  function wipe() {
    var closing = opened ? opened.then(function (db) { db.close(); }) : Promise.resolve();
    opened = null;
    return closing.then(function () {
      return Promise.all([
        done(indexedDB.deleteDatabase(NAME)).catch(function () { /* blocked: emptied on next open */ }),
        window.caches ? caches.keys().then(function (names) {
          return Promise.all(names.map(function (name) { return caches.delete(name); }));
        }) : null,
        navigator.serviceWorker ? navigator.serviceWorker.getRegistrations().then(function (registrations) {
          return Promise.all(registrations.map(function (registration) { return registration.unregister(); }));
        }) : null,
      ]);
    });
  }
  window.ScannerStore = {get: get, put: put, queued: queued, count: count, enqueue: enqueue, remove: remove, wipe: wipe};
})();
