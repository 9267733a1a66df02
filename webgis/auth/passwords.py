"""Password policy for new and changed passwords (ASVS 2.1, 等保2.0 三级 身份鉴别).

At least 8 characters, at least 3 of the 4 classes (lower case, upper case, digit, symbol),
not a common password, not containing the username. Messages are Chinese, for the form.
"""
import re
from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_CLASSES = 3
POLICY_TEXT = "密码至少8位，须包含大写字母、小写字母、数字、符号中的至少3类，不能是常见密码，不能包含用户名。"

_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords, lower-cased."""
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def character_classes(password: str) -> int:
    """Count the classes present: lower case, upper case, digit, symbol (anything else)."""
    return sum((
        bool(re.search(r"[a-z]", password)),
        bool(re.search(r"[A-Z]", password)),
        bool(re.search(r"[0-9]", password)),
        bool(re.search(r"[^A-Za-z0-9]", password)),
    ))


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Return the policy's objections to `password` in Chinese; an empty list means acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少{MIN_LENGTH}位")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码不能超过{MAX_LENGTH}位")
    if character_classes(password) < MIN_CLASSES:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少3类")
    if password.lower() in common_passwords():
        problems.append("该密码过于常见，容易被猜中，请换一个")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    return problems
