/* Affiliate tracking for a shop's pages.
 *
 * Include on every page of the shop, before any call to it:
 *   <script src="https://<affiliate app>/t/aff.js" data-days="30"></script>
 *
 * 1. When a visitor lands from a tracking link, the URL carries ?aff_click_id=…; it is kept in a
 *    first-party cookie on the shop's own domain (Path=/, SameSite=Lax, `data-days` days, 30 by
 *    default), so it survives the visitor browsing around before buying.
 * 2. On the order confirmation page the shop calls
 *      affiliate.conversion({campaign: 12, orderId: "1001", amount: 150000, currency: "VND"})
 *    (amount in the currency's minor unit, an integer) and the order is reported through the
 *    conversion pixel with the stored click id.
 */
(function (window, document) {
  "use strict";

  var COOKIE = "aff_click_id";
  var DEFAULT_DAYS = 30;
  // Click ids are URL-safe and at most 64 characters; anything else is not ours.
  var CLICK_ID = /^[A-Za-z0-9_-]{1,64}$/;

  // document.currentScript only exists while this file runs, so read everything from it now.
  var script = document.currentScript || document.querySelector('script[src*="/t/aff.js"]');
  var src = script ? script.src : "";
  // The app may live under a path prefix: cut "/t/aff.js" (and any query) off the script's own URL.
  var base = src.replace(/\/t\/aff\.js(?:[?#].*)?$/, "");
  var days = parseInt(script && script.getAttribute("data-days"), 10);
  if (!(days >= 1 && days <= 365)) days = DEFAULT_DAYS;

  function readCookie() {
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (parts[i].slice(0, eq) === COOKIE) {
        var value = decodeURIComponent(parts[i].slice(eq + 1));
        return CLICK_ID.test(value) ? value : null;
      }
    }
    return null;
  }

  function storeFromUrl() {
    var match = /[?&]aff_click_id=([^&#]*)/.exec(window.location.search);
    var value = match ? decodeURIComponent(match[1].replace(/\+/g, " ")) : "";
    if (!CLICK_ID.test(value)) return;
    // The newest click wins (last-click attribution), so an older id is simply replaced.
    document.cookie = COOKIE + "=" + value + "; path=/; max-age=" + days * 86400 + "; SameSite=Lax" +
      (window.location.protocol === "https:" ? "; Secure" : "");
  }

  // Images still loading must stay referenced, or some browsers drop the request.
  var pending = [];

  function conversion(order) {
    order = order || {};
    var clickId = order.clickId || readCookie();
    if (!base) {
      warn("cannot tell the tracking server's address; load aff.js with a <script src> tag");
      return false;
    }
    if (!clickId) return false; // this visitor did not come through an affiliate link
    if (!Number.isInteger(order.amount) || order.amount < 0) {
      warn("amount must be a whole number in the currency's minor unit (150000 for 150.000 VND, 1999 for 19.99 USD)");
      return false;
    }
    if (!order.campaign || !order.orderId || !order.currency) {
      warn("campaign, orderId, amount and currency are required");
      return false;
    }
    var query = [
      "campaign=" + encodeURIComponent(order.campaign),
      "order_id=" + encodeURIComponent(order.orderId),
      "amount=" + order.amount,
      "currency=" + encodeURIComponent(order.currency),
      "click_id=" + encodeURIComponent(clickId),
      // Identical URLs may be answered from the page's image cache without a request.
      "t=" + Date.now()
    ].join("&");
    var image = new Image(1, 1);
    image.onload = image.onerror = function () {
      pending.splice(pending.indexOf(image), 1);
    };
    pending.push(image);
    image.src = base + "/t/conversion.gif?" + query;
    return true;
  }

  function warn(message) {
    if (window.console && window.console.warn) window.console.warn("affiliate: " + message);
  }

  storeFromUrl();
  window.affiliate = {
    conversion: conversion,
    // For shops that report orders from their server (API, Stripe): the stored click id, or null.
    clickId: readCookie
  };
})(window, document);
