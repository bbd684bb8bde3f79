// Passkeys for Gatehouse's pages: the only script they load, and only on
// the pages that offer a passkey (the sign-in page, the second step, the
// passkeys page). It never fetches anything: the options come in the form's
// data-options attribute, and the answer leaves as the form's own post, in
// its hidden "credential" field. Without it (or without WebAuthn) the
// passkey forms stay hidden and every other form works as before.
"use strict";
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function bytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function text(buffer) {
    if (!buffer) return null;
    var b = new Uint8Array(buffer), s = "";
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(o) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(o);
    o.challenge = bytes(o.challenge);
    o.user.id = bytes(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = bytes(c.id); });
    return o;
  }

  function requestOptions(o) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(o);
    o.challenge = bytes(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = bytes(c.id); });
    return o;
  }

  // WebAuthn Level 3's RegistrationResponseJSON / AuthenticationResponseJSON.
  function serialise(credential) {
    if (credential.toJSON) return credential.toJSON();
    var r = credential.response, response = { clientDataJSON: text(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = text(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = text(r.authenticatorData);
      response.signature = text(r.signature);
      response.userHandle = text(r.userHandle);
    }
    return {
      id: credential.id, rawId: text(credential.rawId), type: credential.type, response: response,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function start(form) {
    var error = form.querySelector("[data-webauthn-error]");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (error) error.hidden = true;
      var options = JSON.parse(form.getAttribute("data-options"));
      var ceremony = form.getAttribute("data-webauthn") === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options) })
        : navigator.credentials.get({ publicKey: requestOptions(options) });
      ceremony.then(function (credential) {
        form.querySelector("input[name=credential]").value = JSON.stringify(serialise(credential));
        form.submit();
      }, function () {
        if (error) error.hidden = false;
      });
    });
  }

  document.querySelectorAll("form[data-webauthn]").forEach(start);
})();
