"""Upload scanning through a ClamAV daemon: the real clamd INSTREAM protocol, spoken to a small
in-test TCP server (no ClamAV and no signatures here) that answers like clamd does for the EICAR
test string; and the daemon-down case, fail-closed and fail-open."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled
from openpyxl import Workbook

from core import scanning
from core.errors import DomainError
from core.health import check_all
from registry.models import FilingDocument
from tests.factories import InstitutionFactory, make_uscc

pytestmark = pytest.mark.django_db

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
INFECTED_PDF = b"%PDF-1.7\n" + EICAR + b"\n%%EOF\n"


def _infected(body: bytes) -> bool:
    """EICAR anywhere, also inside a zip archive (an .xlsx), which clamd unpacks as well."""
    if EICAR in body:
        return True
    if body.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(BytesIO(body)) as archive:
            return any(EICAR in archive.read(name) for name in archive.namelist())
    return False


class _ClamdHandler(socketserver.BaseRequestHandler):
    """clamd's side of ``zPING`` and ``zINSTREAM`` (length-prefixed chunks, a zero chunk ends)."""

    def _read_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = self.request.recv(n - len(data))
            if not part:
                raise ConnectionError("client went away")
            data += part
        return data

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            part = self.request.recv(1)
            if not part:
                return
            command += part
        if command == b"zPING\0":
            self.request.sendall(b"PONG\0")
            return
        if command != b"zINSTREAM\0":
            self.request.sendall(b"UNKNOWN COMMAND\0")
            return
        body = b""
        while True:
            (size,) = struct.unpack("!L", self._read_exact(4))
            if size == 0:
                break
            body += self._read_exact(size)
        self.server.scanned.append(body)
        verdict = b"stream: Eicar-Test-Signature FOUND\0" if _infected(body) else b"stream: OK\0"
        self.request.sendall(verdict)


class _FakeClamd(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _ClamdHandler)
        self.scanned: list[bytes] = []


@pytest.fixture
def clamd(settings):
    server = _FakeClamd()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST, settings.CLAMD_PORT = server.server_address
    settings.UPLOAD_SCAN_FAIL_CLOSED = True
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def clamd_down(settings):
    """A port nothing listens on: the daemon is configured but down."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", port
    settings.CLAMD_TIMEOUT_SECONDS = 2
    settings.UPLOAD_SCAN_FAIL_CLOSED = True


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def filing(regions, make_account, client):
    from core.tenancy import TenantScope, tenant_scope
    from registry.services.filings import filing_create

    with scopes_disabled():
        institution = InstitutionFactory(uscc=make_uscc("330106", seed=41))
    op = make_account("op_scan", "operator", institution.uscc)
    with tenant_scope(TenantScope.for_institutions([institution.pk])):
        filing = filing_create(actor=op, institution_id=institution.pk)
    client.force_login(op)
    return filing


def _upload_api(client, filing, content, name="营业执照.pdf"):
    return client.post(f"/api/v1/filings/{filing.pk}/documents/",
                       {"doc_type": "business_licence", "file": SimpleUploadedFile(name, content)})


def _documents():
    with scopes_disabled():
        return FilingDocument.objects.count()


def test_the_protocol_clean_and_infected(clamd):
    big = b"A" * (scanning.CHUNK_SIZE * 2 + 17)  # more than one chunk
    scanning.scan_bytes(big)
    assert clamd.scanned[-1] == big  # every byte arrived, in order
    with pytest.raises(DomainError) as info:
        scanning.scan_bytes(b"prefix " + EICAR)
    assert info.value.code == "upload_infected" and "Eicar-Test-Signature" in info.value.message
    assert scanning.ping() is True


def test_an_infected_filing_document_is_refused_through_the_api(clamd, filing, client, media):
    response = _upload_api(client, filing, INFECTED_PDF)
    assert response.status_code == 400
    assert response.json()["code"] == "upload_infected"
    assert _documents() == 0 and not [p for p in media.rglob("*") if p.is_file()]
    clean = _upload_api(client, filing, PDF)
    assert clean.status_code == 201, clean.json()
    assert clamd.scanned == [INFECTED_PDF, PDF]


def test_an_infected_filing_document_is_refused_on_the_page_in_chinese(clamd, filing, client, media):
    response = client.post(f"/registry/filings/{filing.pk}/edit/documents/",
                           {"doc_type": "business_licence", "file": SimpleUploadedFile("scan.pdf", INFECTED_PDF)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "文件未通过病毒扫描" in body and "Eicar-Test-Signature" in body
    assert _documents() == 0


def test_daemon_down_refuses_uploads_when_fail_closed(clamd_down, filing, client, media, caplog):
    response = _upload_api(client, filing, PDF, name="张三身份证.pdf")
    assert response.status_code == 503
    assert response.json()["code"] == "upload_scan_unavailable"
    assert "病毒扫描服务暂不可用" in response.json()["message"]
    assert _documents() == 0
    assert "张三" not in caplog.text  # the file's name (personal) is never logged


def test_daemon_down_lets_uploads_through_when_fail_open(clamd_down, settings, filing, client, media):
    settings.UPLOAD_SCAN_FAIL_CLOSED = False
    response = _upload_api(client, filing, PDF)
    assert response.status_code == 201, response.json()
    assert _documents() == 1


def test_not_configured_scans_nothing(settings, filing, client, media):
    settings.CLAMD_SOCKET = settings.CLAMD_HOST = ""
    assert _upload_api(client, filing, INFECTED_PDF).status_code == 201  # no daemon, no scan


def test_an_infected_enrolment_import_is_refused(clamd, regions, make_account):
    from subsidies.services.enrolments import enrolment_import

    wb = Workbook()
    wb.active.append(["婴幼儿姓名", "身份证号", "出生日期", "班型", "入托日期", "离托日期"])
    wb.active.append([EICAR.decode(), "", "", "", "", ""])
    out = BytesIO()
    wb.save(out)
    with pytest.raises(DomainError) as info:
        enrolment_import(actor=None, institution_id=0, content=out.getvalue())
    assert info.value.code == "upload_infected"
    assert clamd.scanned[-1] == out.getvalue()  # the workbook as uploaded, before anything read it


def test_health_has_a_clamav_entry(settings, clamd):
    assert check_all()["checks"]["clamav"] == {"ok": True, "configured": True}


def test_health_says_when_the_daemon_is_down(settings, clamd_down):
    entry = check_all()["checks"]["clamav"]
    assert entry["ok"] is False and "uploads are refused" in entry["error"]
    settings.UPLOAD_SCAN_FAIL_CLOSED = False
    entry = check_all()["checks"]["clamav"]
    assert entry["ok"] is True and "unscanned" in entry["warning"]
    settings.CLAMD_HOST = ""
    assert check_all()["checks"]["clamav"] == {"ok": True, "configured": False}
