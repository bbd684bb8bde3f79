"""A software authenticator of the tests' own: it makes WebAuthn
registration and authentication responses (the Level 3 JSON encodings)
with ES256, EdDSA or RS256 keys, and can be told to misbehave (wrong
origin, no user presence, a counter that goes back…) so that each check
has a test that sends the bad input. Attestation is always "none", as the
server asks. Keys come from `cryptography`, CBOR from `cbor2`."""

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

UP, UV, BE, BS, AT, ED = 0x01, 0x04, 0x08, 0x10, 0x40, 0x80


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Credential:
    def __init__(self, alg=-7, rp_id="localhost", user_handle=None, credential_id=None):
        self.alg = alg
        self.rp_id = rp_id
        self.user_handle = user_handle
        self.id = credential_id or os.urandom(32)
        self.count = 0
        if alg == -7:
            self.key = ec.generate_private_key(ec.SECP256R1())
        elif alg == -8:
            self.key = ed25519.Ed25519PrivateKey.generate()
        elif alg == -257:
            self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise ValueError(alg)

    def cose(self):
        if self.alg == -7:
            n = self.key.public_key().public_numbers()
            return {1: 2, 3: -7, -1: 1, -2: n.x.to_bytes(32, "big"), -3: n.y.to_bytes(32, "big")}
        if self.alg == -8:
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {1: 1, 3: -8, -1: 6, -2: raw}
        n = self.key.public_key().public_numbers()
        return {1: 3, 3: -257, -1: n.n.to_bytes(256, "big"), -2: n.e.to_bytes(3, "big")}

    def sign(self, data):
        if self.alg == -7:
            return self.key.sign(data, ec.ECDSA(hashes.SHA256()))
        if self.alg == -8:
            return self.key.sign(data)
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def client_data(kind, challenge, origin, **extra):
    body = {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
    body.update(extra)
    return json.dumps(body, separators=(",", ":")).encode()


def auth_data(rp_id, flags, count, attested=b""):
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count) + attested


def create(options, origin, alg=-7, flags=UP | UV, rp_id=None, kind="webauthn.create", cose=None,
           fmt="none", att_stmt=None, credential=None, challenge=None):
    """A RegistrationResponseJSON for `options` (a
    PublicKeyCredentialCreationOptionsJSON), and the credential made."""
    rp_id = rp_id or options["rp"]["id"]
    cred = credential or Credential(alg, rp_id=options["rp"]["id"], user_handle=unb64url(options["user"]["id"]))
    cd = client_data(kind, challenge or options["challenge"], origin)
    cose_key = cbor2.dumps(cose if cose is not None else cred.cose())
    attested = bytes(16) + struct.pack(">H", len(cred.id)) + cred.id + cose_key
    ad = auth_data(rp_id, flags | AT, cred.count, attested)
    att = cbor2.dumps({"fmt": fmt, "attStmt": att_stmt or {}, "authData": ad})
    response = {
        "id": b64url(cred.id), "rawId": b64url(cred.id), "type": "public-key",
        "response": {"clientDataJSON": b64url(cd), "attestationObject": b64url(att), "transports": ["internal"]},
        "clientExtensionResults": {}, "authenticatorAttachment": "platform",
    }
    return response, cred


def get(options, origin, cred, flags=UP | UV, rp_id=None, kind="webauthn.get", count=None, user_handle=True,
        tamper_signature=False, challenge=None):
    """An AuthenticationResponseJSON for `options` (a
    PublicKeyCredentialRequestOptionsJSON), signed by `cred`."""
    rp_id = rp_id or options.get("rpId") or cred.rp_id
    cred.count = cred.count + 1 if count is None else count
    cd = client_data(kind, challenge or options["challenge"], origin)
    ad = auth_data(rp_id, flags, cred.count)
    signature = cred.sign(ad + hashlib.sha256(cd).digest())
    if tamper_signature:
        signature = signature[:-1] + bytes([signature[-1] ^ 1])
    response = {"clientDataJSON": b64url(cd), "authenticatorData": b64url(ad), "signature": b64url(signature)}
    if user_handle and cred.user_handle is not None:
        response["userHandle"] = b64url(cred.user_handle)
    return {"id": b64url(cred.id), "rawId": b64url(cred.id), "type": "public-key", "response": response,
            "clientExtensionResults": {}, "authenticatorAttachment": "platform"}
