"""Keys derived from CANDOR_SECRET_KEY.

One master secret, several purpose-bound keys (HKDF with distinct `info`), so a
leak of one derived key says nothing about another. Nothing here is keyed by a
person: no key, however it leaks, lets anyone recompute who took part.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _hkdf(master: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
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

    def ticket_sealer(self) -> MultiFernet:
        return self.sealer("ticket")


def seal(sealer: MultiFernet, data: bytes, at: float) -> str:
    """Encrypt with the Fernet timestamp pinned to `at` (the round's start),
    so a token never tells when it was written."""
    return sealer.encrypt_at_time(data, int(at)).decode("ascii")


def unseal(sealer: MultiFernet, token: str) -> bytes:
    return sealer.decrypt(token.encode("ascii"))


# Sealed plaintexts are padded to whole blocks of this size, so a ciphertext's
# length says nothing about how long a comment was. Every ballot fits in one
# (comments are capped at MAX_COMMENT_BYTES of JSON in storage.ballot_box).
PAD_BLOCK = 4608


def pad(data: bytes, block: int = PAD_BLOCK) -> bytes:
    """JSON (or any text a JSON parser reads) padded with spaces, which
    json.loads ignores, to a whole number of blocks."""
    return data + b" " * (-len(data) % block)
