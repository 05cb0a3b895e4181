// The console's service worker: an <audio> element cannot send headers, so
// this adds the tab's keys (x-org-id, x-api-key) to its requests for
// /recordings/{id}, Range included. It keeps no key: for every such request
// it asks the tab that made it, which holds them in sessionStorage.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function askKeys(client) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    client.postMessage({ type: "recrules-keys?" }, [channel.port2]);
  });
}

async function withKeys(event) {
  const client = event.clientId ? await self.clients.get(event.clientId) : null;
  const keys = client ? await askKeys(client) : null;
  const headers = new Headers();
  const range = event.request.headers.get("range");
  if (range) headers.set("range", range);
  if (keys && keys.org && keys.key) {
    headers.set("x-org-id", keys.org);
    headers.set("x-api-key", keys.key);
  }
  return fetch(event.request.url, { method: "GET", headers, credentials: "omit", cache: "no-store" });
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin === self.location.origin && url.pathname.startsWith("/recordings/") && event.request.method === "GET") {
    event.respondWith(withKeys(event));
  }
});
