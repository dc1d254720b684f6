"""Virus scanning of uploads through an optional ClamAV daemon (clamd), speaking its INSTREAM protocol.

Every upload path calls ``scan_upload`` (files) or ``scan_bytes`` (content already read): filing
documents, inspection photos, rectification evidence and claim evidence through
``registry.services.documents.validate_upload``, enrolment Excel imports through
``subsidies.services.enrolments.enrolment_import``.

- Not configured (neither ``CLAMD_SOCKET`` nor ``CLAMD_HOST``): nothing is scanned.
- Infected: ``DomainError("upload_infected")`` (400), the file is refused and nothing is stored.
- Daemon down, timing out or answering an error: ``DomainError("upload_scan_unavailable")`` (503)
  while ``UPLOAD_SCAN_FAIL_CLOSED`` (the default, and what production must keep: an unscanned file
  is never accepted); with it off the upload passes and a warning is logged.

The protocol (clamd(8)): send ``zINSTREAM\\0``, then the content as chunks each prefixed by its
length (4 bytes, network order), then a zero-length chunk; clamd answers ``stream: OK``,
``stream: <signature> FOUND`` or ``... ERROR`` (e.g. the size limit), NUL-terminated. ``zPING\\0``
answers ``PONG`` (the health check).
"""

from __future__ import annotations

import hashlib
import logging
import socket
import struct
from dataclasses import dataclass

from django.conf import settings

from .errors import DomainError

logger = logging.getLogger("childcare.upload_scan")

CHUNK_SIZE = 64 * 1024


class ScanUnavailable(Exception):
    """clamd could not give a verdict (not reachable, timed out, or answered an error)."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


def configured() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def _connect() -> socket.socket:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT_SECONDS", 10))
    try:
        if getattr(settings, "CLAMD_SOCKET", ""):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(settings.CLAMD_SOCKET)
            return sock
        return socket.create_connection((settings.CLAMD_HOST, int(settings.CLAMD_PORT)), timeout=timeout)
    except OSError as exc:
        raise ScanUnavailable(f"clamd not reachable ({type(exc).__name__})") from exc


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        part = sock.recv(4096)
        if not part:
            break
        data += part
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def _command(command: bytes, chunks=()) -> str:
    sock = _connect()
    try:
        sock.sendall(b"z" + command + b"\0")
        for chunk in chunks:
            if chunk:
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        if command == b"INSTREAM":
            sock.sendall(struct.pack("!L", 0))
        return _read_reply(sock)
    except OSError as exc:
        raise ScanUnavailable(f"clamd connection failed ({type(exc).__name__})") from exc
    finally:
        sock.close()


def parse_reply(reply: str) -> ScanResult:
    """``stream: OK`` → clean; ``stream: X FOUND`` → infected by X; anything else → ScanUnavailable."""
    _, _, verdict = reply.rpartition(": ") if ": " in reply else ("", "", reply)
    if verdict == "OK":
        return ScanResult(clean=True)
    if verdict.endswith(" FOUND"):
        return ScanResult(clean=False, signature=verdict[: -len(" FOUND")].strip())
    raise ScanUnavailable(f"clamd answered {reply[:120]!r}")


def scan_chunks(chunks) -> ScanResult:
    """Send the content to clamd (INSTREAM) and return its verdict; ScanUnavailable if none."""
    return parse_reply(_command(b"INSTREAM", chunks))


def ping() -> bool:
    try:
        return _command(b"PING") == "PONG"
    except ScanUnavailable:
        return False


def _iter_file(uploaded_file):
    uploaded_file.seek(0)
    if hasattr(uploaded_file, "chunks"):
        yield from uploaded_file.chunks(CHUNK_SIZE)
    else:
        yield from iter(lambda: uploaded_file.read(CHUNK_SIZE), b"")
    uploaded_file.seek(0)


def _judge(chunks, digest_source) -> None:
    if not configured():
        return
    try:
        result = scan_chunks(chunks)
    except ScanUnavailable as exc:
        if getattr(settings, "UPLOAD_SCAN_FAIL_CLOSED", True):
            logger.error("upload refused: virus scan unavailable (%s)", exc)
            raise DomainError("upload_scan_unavailable", "病毒扫描服务暂不可用，文件未能上传，请稍后重试。",
                              fields={"file": [("upload_scan_unavailable", "病毒扫描服务暂不可用。")]},
                              status_code=503) from None
        logger.warning("upload accepted UNSCANNED: virus scan unavailable (%s); UPLOAD_SCAN_FAIL_CLOSED is off", exc)
        return
    if not result.clean:
        # The signature and the content's digest only: never the file's name (it may name a person).
        logger.warning("upload refused: infected (%s), sha256 %s", result.signature, digest_source())
        raise DomainError("upload_infected", f"文件未通过病毒扫描（检出：{result.signature}），已拒绝上传。",
                          fields={"file": [("upload_infected", "文件含有病毒或恶意代码。")]})


def scan_upload(uploaded_file) -> None:
    """Raise ``upload_infected`` / ``upload_scan_unavailable`` (see the module doc); a no-op when no
    daemon is configured. The file is left at position 0."""

    def digest():
        h = hashlib.sha256()
        for chunk in _iter_file(uploaded_file):
            h.update(chunk)
        return h.hexdigest()

    _judge(_iter_file(uploaded_file), digest)


def scan_bytes(content: bytes) -> None:
    """``scan_upload`` for content already read into memory (the Excel imports)."""
    _judge((content[i:i + CHUNK_SIZE] for i in range(0, len(content), CHUNK_SIZE)),
           lambda: hashlib.sha256(content).hexdigest())


def health() -> dict:
    """The health entry: not configured → ok; configured → ok when clamd answers PING. Down while
    fail-closed is a failure (uploads are refused); down while fail-open is a warning."""
    if not configured():
        return {"ok": True, "configured": False}
    if ping():
        return {"ok": True, "configured": True}
    if getattr(settings, "UPLOAD_SCAN_FAIL_CLOSED", True):
        return {"ok": False, "configured": True, "error": "clamd unavailable: uploads are refused (upload_scan_unavailable)"}
    return {"ok": True, "configured": True, "warning": "clamd unavailable: uploads are accepted unscanned (UPLOAD_SCAN_FAIL_CLOSED off)"}
