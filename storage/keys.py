"""Keys derived from CANDOR_SECRET_KEY.

One master secret, several purpose-bound keys (HKDF with distinct `info`), so a
leak of one derived key says nothing about another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _hkdf(master: str, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(
        master.encode("utf-8")
    )


class Keyring:
    def __init__(self, master: str, retired: list[str] | None = None):
        self._master = master
        self._retired = list(retired or [])

    @property
    def retired_count(self) -> int:
        return len(self._retired)

    def current_only(self) -> Keyring:
        """The same keyring without the retired keys: what remains once they
        are dropped from the environment."""
        return Keyring(self._master)

    def _fernet(self, master: str, purpose: bytes) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(_hkdf(master, b"candor/fernet/" + purpose)))

    def sealer(self, purpose: str) -> MultiFernet:
        """Encrypts with the current key; decrypts with current or retired keys."""
        p = purpose.encode()
        return MultiFernet(
            [self._fernet(self._master, p)] + [self._fernet(k, p) for k in self._retired]
        )

    def participation_token(self, round_salt: bytes, round_id: int, user_id: str,
                            master: str | None = None) -> str:
        """Keyed hash of (round, user). The per-round key needs the round's salt,
        which is destroyed when the round closes: after that, nobody holding the
        master secret can recompute who took part."""
        key = _hkdf(master or self._master, b"candor/participation/%d" % round_id, salt=round_salt)
        return hmac.new(key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def participation_tokens(self, round_salt: bytes, round_id: int, user_id: str) -> list[str]:
        """The token under the current key, then under each retired key: a key
        change in the middle of a round must not let anyone answer twice."""
        return [self.participation_token(round_salt, round_id, user_id, m)
                for m in [self._master, *self._retired]]


def new_round_salt() -> bytes:
    return os.urandom(32)


def seal(sealer: MultiFernet, data: bytes, at: float) -> str:
    """Encrypt with the Fernet timestamp pinned to `at` (the round's start),
    so a token never tells when it was written."""
    return sealer.encrypt_at_time(data, int(at)).decode("ascii")


def unseal(sealer: MultiFernet, token: str) -> bytes:
    return sealer.decrypt(token.encode("ascii"))
