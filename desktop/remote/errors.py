"""What can go wrong with a ComfyUI server, each in words a user can act on."""

from __future__ import annotations

from desktop.errors import LogoStudioError, ModelNotAvailable, OutOfMemory


class ServerError(LogoStudioError):
    """The ComfyUI server cannot be used right now (the base of the errors below)."""


class ServerUnreachable(ServerError):
    """Nothing answers at the address, the name does not resolve, or the connection dropped."""


class NotComfyServer(ServerError):
    """Something answers at the address, but it is not a ComfyUI server."""


class SignInRefused(ServerError):
    """The server (or the proxy in front of it) refused the credentials, or asked for some."""


class CertificateProblem(ServerError):
    """The https certificate could not be verified (self-signed, expired, another name)."""


class ServerTooOld(ServerError):
    """The ComfyUI version lacks something Logo Studio relies on."""


class ServerJobFailed(ServerError):
    """The server accepted the job but could not run it; the message is the server's reason."""


class ServerOutOfMemory(OutOfMemory, ServerError):
    """The server's GPU ran out of memory during the job."""


class NotOnServer(ModelNotAvailable):
    """A checkpoint, diffusion model or LoRA that the server does not have; the message names it."""
