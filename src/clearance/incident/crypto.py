"""Encryption at rest and keyed hashes for incident records.

One operator secret (``CLEARANCE_INCIDENT_KEY``: 32 random bytes, URL-safe base64, the same
shape as a Fernet key; ``clearance incident keygen`` prints one) yields two independent keys
through HKDF-SHA256:

* an AES-256-GCM key for ``ExposedPerson.record``. Each record gets a fresh 96-bit nonce and
  associated data naming its incident and person key, so a ciphertext moved to another row
  fails to decrypt instead of silently becoming someone else's record;
* an HMAC-SHA256 key for ``person_key``, ``a_number_hash``, ``name_dob_hash`` and client-IP
  hashes. A-numbers have only 10**9 values: a plain hash would be reversed in minutes, a keyed
  one cannot be without the secret.

The secret never touches the database; ``key_id`` (an HMAC of a constant) says which key an
incident was written with, so a wrong key is reported as such rather than as corruption.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from clearance import fingerprint
from clearance.errors import ClearanceError

KEY_ENV = "CLEARANCE_INCIDENT_KEY"
SECRET_BYTES = 32  # AES-256 / Fernet-sized secret
NONCE_BYTES = 12  # the GCM standard nonce (NIST SP 800-38D, section 8.2)
FORMAT_V1 = b"\x01"  # first byte of every ciphertext: lets the format change later
KEY_ID_HEX = 16
_SALT = b"clearance-incident-v1"


class IncidentKeyError(ClearanceError):
    """The incident key is missing, malformed, or not the one the incident was written with."""


def generate_secret() -> str:
    return base64.urlsafe_b64encode(os.urandom(SECRET_BYTES)).decode("ascii")


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(secret)


class IncidentKey:
    """The two derived keys. Build with ``from_env`` or ``from_secret``."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != SECRET_BYTES:
            raise IncidentKeyError(f"the incident key must be {SECRET_BYTES} bytes (URL-safe base64)")
        self._aead = AESGCM(_hkdf(secret, b"encrypt"))
        self._mac = _hkdf(secret, b"hash")
        self.key_id = self.hash("key-id", "")[:KEY_ID_HEX]

    @classmethod
    def from_secret(cls, text: str) -> IncidentKey:
        text = text.strip()
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError) as exc:
            raise IncidentKeyError(
                f"{KEY_ENV} is not URL-safe base64 (try `clearance incident keygen`)"
            ) from exc
        return cls(raw)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IncidentKey:
        text = env.get(KEY_ENV, "")
        if not text:
            raise IncidentKeyError(
                f"set {KEY_ENV} to the incident key (32 random bytes, URL-safe base64; "
                "`clearance incident keygen` prints a new one): exposed people's details are "
                "stored encrypted with it"
            )
        return cls.from_secret(text)

    # -- encryption --------------------------------------------------------------------------
    def encrypt(self, plaintext: bytes, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, context.encode("utf-8"))

    def decrypt(self, blob: bytes, context: str) -> bytes:
        if not blob or blob[:1] != FORMAT_V1:
            raise IncidentKeyError("encrypted record has an unknown format")
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, context.encode("utf-8"))
        except InvalidTag as exc:
            raise IncidentKeyError(
                "record does not decrypt with this key (wrong key, or tampered with)"
            ) from exc

    def check(self, key_id: str) -> None:
        if not hmac.compare_digest(key_id, self.key_id):
            raise IncidentKeyError(
                f"{KEY_ENV} is not the key this incident was opened with (key id {key_id})"
            )

    # -- keyed hashes --------------------------------------------------------------------------
    def hash(self, kind: str, normalised: str) -> str:
        return hmac.new(self._mac, f"{kind}\0{normalised}".encode(), hashlib.sha256).hexdigest()

    def hash_a_number(self, value: str) -> str | None:
        """Keyed hash of an A-number in any spelling ("A-012-345-678", "12345678" ...)."""
        norm = fingerprint.normalise("a-number", value)
        return self.hash("a-number", norm) if norm.strip("0") else None

    def hash_name_dob(self, name: str, dob: str) -> str | None:
        """Keyed hash of name + date of birth; the name in any order, case or accents."""
        n = fingerprint.normalise("person-name", name)
        d = fingerprint.normalise("date-of-birth", dob)
        return self.hash("name+dob", f"{n}\0{d}") if n and d else None

    def hash_client(self, ip: str) -> str:
        """Short keyed hash of a client address: counts distinct clients, reveals none."""
        return self.hash("client", ip)[:16]


def record_context(incident_id: int, person_key: str) -> str:
    """Associated data of an ExposedPerson.record: binds the ciphertext to its row."""
    return f"clearance-incident:{incident_id}:{person_key}"
