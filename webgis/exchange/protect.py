"""The ONE place the exchange wraps personal data for download: an AES-256 zip (pyzipper) with a
generated password, shown to the user once.

Issue 14 builds the project's shared export helper (webgis/exports.py); at merge this function
is pointed at it, and every export of webgis/exchange/ follows.
"""
import io
import secrets
import string

import pyzipper

_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0OoIl1")
PASSWORD_LENGTH = 16


def protected_zip(files: dict[str, bytes]) -> tuple[bytes, str]:
    """Return (zip bytes, generated password): every member AES-256 encrypted with the password."""
    password = "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password.encode("ascii"))
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue(), password
