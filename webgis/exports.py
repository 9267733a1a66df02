"""Every export is protected (seed §七.4 "电子数据一律设置文档密码"): one helper for all.

`protect()` puts the file in an AES-256 zip (pyzipper: WinZip AES, opened by 7-Zip, WinRAR,
Bandizip and the Windows/macOS tools that read AES zips) under a password generated here,
records the export in the audit log — what, how many rows, which filters, the file name and
its SHA-256, never the password — and returns the zip with its password. `response()`
answers it: the zip as an attachment, the password once in the `X-Document-Password` header
(never stored, never logged, `Cache-Control: no-store`); the page shows it once. Exports to
come (verification sheets, data exchange) call the same two functions.
"""
import hashlib
import io
import secrets
from dataclasses import dataclass

import pyzipper
from flask import send_file

# No look-alikes (0/O, 1/l/I) so a password read out over the phone is typed right.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
SYMBOLS = "#%+=@"
PASSWORD_LENGTH = 16  # ~93 bits
PASSWORD_HEADER = "X-Document-Password"


@dataclass(frozen=True)
class ProtectedExport:
    body: bytes
    password: str
    filename: str  # the zip's name
    member: str  # the file inside


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    """A random password with letters of both cases, a digit and a symbol."""
    while True:
        chars = [secrets.choice(ALPHABET) for _ in range(length - 1)]
        chars.insert(secrets.randbelow(length), secrets.choice(SYMBOLS))
        pw = "".join(chars)
        if any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(c.isdigit() for c in pw):
            return pw


def encrypted_zip(member: str, data: bytes, password: str) -> bytes:
    """A zip holding `data` as `member`, AES-256 encrypted with `password`."""
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password.encode("utf-8"))
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.writestr(member, data)
    return buf.getvalue()


def protect(member: str, data: bytes, *, object_type: str, count: int, filters: dict | None = None,
            grid_id: int | None = None, **detail) -> ProtectedExport:
    """Encrypt `data` under a generated password and audit the export (not the password)."""
    from webgis.audit import services as audit

    password = generate_password()
    body = encrypted_zip(member, data, password)
    stem = member.rsplit(".", 1)[0]
    filename = f"{stem}.zip"
    audit.export(object_type, count, filters, grid_id=grid_id, encrypted=True, format="zip", file=filename,
                 sha256=hashlib.sha256(body).hexdigest(), **detail)
    return ProtectedExport(body=body, password=password, filename=filename, member=member)


def response(export: ProtectedExport):
    """The zip as a download; its password once, in a response header the page reads and shows."""
    resp = send_file(io.BytesIO(export.body), mimetype="application/zip", as_attachment=True,
                     download_name=export.filename)
    resp.headers[PASSWORD_HEADER] = export.password
    resp.headers["Cache-Control"] = "no-store"
    return resp
