/*! Tether chat widget. Embed: <script src="https://<tether-host>/widget.js" async></script>
 * Options (data- attributes on that tag): data-title, data-greeting, data-accent="#rrggbb",
 * data-position="left|right", data-open="true", data-lang="en|de", data-user-token="<jwt>".
 * JS API: Tether.identify(token), Tether.logout(), Tether.open(), Tether.close().
 * The chat runs in an iframe of <tether-host>/widget, so the host page's CSS and scripts cannot touch
 * it; the launcher lives in a shadow root for the same reason. Messages between the two are sent to,
 * and accepted from, the other side's exact origin only (protocol: components/chat/host-protocol.ts).
 * Browsers block or partition a cross-site frame's storage, so this script keeps the anonymous
 * conversation's id in the host page's own storage, under a key naming the Tether origin. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__tetherWidget) return;
  window.__tetherWidget = true;
  var d = script.dataset;
  var origin = new URL(script.src, location.href).origin;
  var lang = d.lang === 'de' ? 'de' : 'en';
  var text = {
    en: { open: 'Open support chat', close: 'Close support chat', frame: 'Support chat' },
    de: { open: 'Support-Chat öffnen', close: 'Support-Chat schließen', frame: 'Support-Chat' }
  }[lang];
  var accent = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(d.accent || '') ? d.accent : '#2563eb';
  var side = d.position === 'left' ? 'left' : 'right';
  var frame = null;
  var ready = false;
  var isOpen = false;
  var token = d.userToken || null;
  var key = 'tether:' + origin + ':session';
  var openKey = 'tether:' + origin + ':open';
  // localStorage keeps the conversation across visits; sessionStorage at least across this tab's pages.
  var tab = usable('sessionStorage');
  var store = usable('localStorage');
  var storage = store ? 'local' : tab ? 'tab' : 'none';
  store = store || tab;

  function usable(name) {
    try {
      var s = window[name];
      s.setItem('tether:probe', '1');
      s.removeItem('tether:probe');
      return s;
    } catch (e) {
      return null;
    }
  }
  function get(s, k) {
    try {
      return s ? s.getItem(k) : null;
    } catch (e) {
      return null;
    }
  }
  function put(s, k, v) {
    try {
      if (!s) return;
      if (v) s.setItem(k, v);
      else s.removeItem(k);
    } catch (e) {}
  }

  function mount() {
    var host = document.createElement('div');
    host.setAttribute('data-tether-widget', '');
    var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    var style = document.createElement('style');
    style.textContent =
      ':host{all:initial}' +
      '.l{position:fixed;bottom:20px;' + side + ':20px;z-index:2147483000;width:56px;height:56px;border:0;border-radius:50%;' +
      'background:' + accent + ';color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}' +
      '.l:focus-visible{outline:3px solid #111;outline-offset:3px}.l svg{width:28px;height:28px}' +
      '.f{position:fixed;bottom:88px;' + side + ':20px;z-index:2147483001;width:400px;height:min(680px,calc(100vh - 108px));' +
      'border:0;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.3);background:#fff;color-scheme:normal}' +
      '.f[hidden]{display:none}' +
      '@media (max-width:480px){.f{inset:0;width:100%;height:100%;border-radius:0}}';
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'l';
    button.setAttribute('aria-expanded', 'false');
    button.setAttribute('aria-label', text.open);
    button.innerHTML =
      '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true">' +
      '<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
    // A light accent needs dark text and icon.
    if (luminance(accent) > 0.5) button.style.color = '#0f172a';
    root.appendChild(style);
    root.appendChild(button);
    document.body.appendChild(host);

    function send(type, extra) {
      var m = { tether: 1, type: type };
      for (var k in extra) m[k] = extra[k];
      if (frame && frame.contentWindow) frame.contentWindow.postMessage(m, origin);
    }

    function open() {
      if (!frame) {
        // Created on first open: a page whose visitors never chat loads nothing but this script.
        frame = document.createElement('iframe');
        frame.className = 'f';
        frame.title = d.title ? d.title + ' chat' : text.frame;
        frame.id = 'tether-frame';
        var q = new URLSearchParams({ host: location.origin, lang: lang });
        if (d.title) q.set('title', d.title);
        if (d.greeting) q.set('greeting', d.greeting);
        if (d.accent) q.set('accent', accent);
        frame.src = origin + '/widget?' + q.toString();
        frame.setAttribute('allow', 'clipboard-write');
        root.appendChild(frame);
        button.setAttribute('aria-controls', 'tether-frame');
      }
      frame.hidden = false;
      isOpen = true;
      put(tab, openKey, '1');
      button.setAttribute('aria-expanded', 'true');
      button.setAttribute('aria-label', text.close);
      if (ready) send('open');
      frame.focus();
    }

    function close() {
      if (!frame) return;
      frame.hidden = true;
      isOpen = false;
      put(tab, openKey, null);
      button.setAttribute('aria-expanded', 'false');
      button.setAttribute('aria-label', text.open);
      button.focus();
    }

    button.addEventListener('click', function () {
      if (isOpen) close();
      else open();
    });
    window.addEventListener('message', function (event) {
      if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
      var data = event.data;
      if (!data || data.tether !== 1) return;
      if (data.type === 'ready') {
        ready = true;
        // The token goes by message to Tether's exact origin, never into the frame's URL.
        send('init', { sessionId: get(store, key), storage: storage, userToken: token });
        if (isOpen) send('open');
      } else if (data.type === 'session') {
        if (data.sessionId === null || (typeof data.sessionId === 'string' && data.sessionId.length < 1000)) {
          put(store, key, data.sessionId);
        }
      } else if (data.type === 'close') {
        close();
      }
    });

    window.Tether = {
      /** The signed-in customer (a JWT from the host site's server); call again with a fresh token before it expires. */
      identify: function (t) {
        if (typeof t !== 'string' || !t) return;
        token = t;
        if (ready) send('identify', { userToken: t });
      },
      /** Signed out: a fresh anonymous conversation on this device. */
      logout: function () {
        token = null;
        put(store, key, null);
        if (ready) send('logout');
      },
      open: open,
      close: close
    };
    // Open on load when asked, or when it was open on the previous page of this tab (a reply may be on its way).
    if (d.open === 'true' || get(tab, openKey) === '1') open();
  }

  function luminance(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, '$&$&');
    var sum = 0;
    [0.2126, 0.7152, 0.0722].forEach(function (w, i) {
      var c = parseInt(h.slice(i * 2, i * 2 + 2), 16) / 255;
      sum += w * (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    });
    return sum;
  }

  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
