"""The sign-in secret of each ComfyUI server, kept in the operating system's credential store
(macOS Keychain, Windows Credential Manager, the Secret Service on Linux) through ``keyring``;
never in a settings file, a log, the gallery or an image. Where the computer has no credential
store (a bare Linux without a keyring service), the secret is kept only while the app runs, and
``unavailable_reason`` says so in words."""

from __future__ import annotations

import contextlib

from desktop.remote.address import Credentials, ServerAddress

SERVICE = "Logo Studio: ComfyUI server"


def _entry(address: ServerAddress, credentials: Credentials) -> str:
    """The store's user name for one server's sign-in: the kind, the user and the address."""
    user = f"{credentials.user}@" if credentials.user else ""
    return f"{credentials.kind}:{user}{address.text}"


class SecretStore:
    """Secrets by server and sign-in. ``backend`` is a keyring backend (the system's by default)."""

    def __init__(self, backend=None) -> None:
        import keyring
        from keyring.backends import fail, null

        self._backend = backend or keyring.get_keyring()
        self._memory: dict[str, str] = {}
        self.unavailable_reason = ""
        if isinstance(self._backend, (fail.Keyring, null.Keyring)):
            self.unavailable_reason = (
                "This computer has no credential store (such as GNOME Keyring or KWallet), so the secret is kept "
                "only while Logo Studio runs and asked for again next time."
            )

    @property
    def persistent(self) -> bool:
        return not self.unavailable_reason

    def get(self, address: ServerAddress, credentials: Credentials) -> str:
        """The saved secret for this server and sign-in ('' when there is none)."""
        key = _entry(address, credentials)
        if key in self._memory or not self.persistent:
            return self._memory.get(key, "")
        try:
            return self._backend.get_password(SERVICE, key) or ""
        except Exception:  # noqa: BLE001 - a locked or broken store: as if nothing was saved
            return ""

    def set(self, address: ServerAddress, credentials: Credentials) -> None:
        """Keep ``credentials.secret`` for this server (in memory too, for this run)."""
        key = _entry(address, credentials)
        self._memory[key] = credentials.secret
        if not self.persistent:
            return
        from keyring.errors import PasswordDeleteError

        try:
            if credentials.secret:
                self._backend.set_password(SERVICE, key, credentials.secret)
            else:
                with contextlib.suppress(PasswordDeleteError):  # nothing was saved
                    self._backend.delete_password(SERVICE, key)
        except Exception as error:  # noqa: BLE001 - any store failure: keep it for this run and say why
            self.unavailable_reason = (
                f"The credential store refused the secret ({error}), so it is kept only while Logo Studio runs."
            )

    def with_secret(self, address: ServerAddress, credentials: Credentials) -> Credentials:
        """``credentials`` with the saved secret filled in when they carry none."""
        if credentials.secret or credentials.kind == "none":
            return credentials
        return Credentials(credentials.kind, credentials.user, self.get(address, credentials))
