"""Bad input is refused in one place, before any view runs (never a 500).

- `<int:...>` in every route is a PostgreSQL `integer` (int4): a larger number matches no
  route (404), instead of overflowing in the query.
- A NUL character anywhere in the request (path, query, form, JSON, headers) is refused
  with 400: PostgreSQL text cannot hold it, so it could only fail later as a 500.
- Pages (not /api/, /tiles/) take HTML forms only: a JSON body is refused with 400.
- `json_object()` gives a view the JSON body as a dict, or refuses a body that is not an
  object (a list, a string, a number, broken JSON) with 400 in the one error shape.
"""
from flask import Flask, render_template, request
from werkzeug.routing import IntegerConverter

from webgis.api import ApiError

INT4_MAX = 2_147_483_647
NUL_MESSAGE = "请求中含有不允许的字符（NUL），请检查输入后重试"
FORM_MESSAGE = "页面只接受表单提交，请从页面上操作"


class Int4Converter(IntegerConverter):
    """`<int:...>` limited to PostgreSQL's integer (0 … 2147483647 unless told otherwise)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        cap = INT4_MAX if max is None or max > INT4_MAX else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=cap, signed=signed)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def nul_in_request() -> str | None:
    """Return where a NUL character is in the current request, or None."""
    if "\x00" in request.path:
        return "path"
    for key, value in request.headers.items():
        if "\x00" in key or "\x00" in value:
            return "headers"
    for key, values in request.args.lists():
        if _has_nul(key) or any(_has_nul(v) for v in values):
            return "query"
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.form.lists():
            if _has_nul(key) or any(_has_nul(v) for v in values):
                return "form"
    if request.is_json:
        body = request.get_json(silent=True)
        if _has_nul(body):
            return "json"
    return None


def json_object() -> dict:
    """The request's JSON body as a dict; 400 (one error shape) for anything else."""
    body = request.get_json(silent=True)
    if body is None and not request.get_data(cache=True):
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "请求内容应为 JSON 对象", code="bad_json")
    return body


def install(app: Flask) -> None:
    """Register the int4 converter (before any blueprint) and the NUL check (first of all hooks)."""
    app.url_map.converters["int"] = Int4Converter

    def refuse_bad_request():
        api = request.path.startswith(("/api/", "/tiles/"))
        if not api and request.is_json:
            # Pages take HTML forms; a JSON body would reach the forms as form data of any shape.
            return render_template("auth/error.html", title="请求无效", message=FORM_MESSAGE), 400
        where = nul_in_request()
        if where is not None:
            if api:
                raise ApiError(400, NUL_MESSAGE, code="bad_character", details={"in": where})
            return render_template("auth/error.html", title="请求无效", message=NUL_MESSAGE), 400

    app.before_request_funcs.setdefault(None, []).insert(0, refuse_bad_request)
