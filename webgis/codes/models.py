"""代码表: the code lists as rows."""
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from webgis.extensions import db


class CodeItem(db.Model):
    """代码项: one code of one list (e.g. occupation 3 = 商业、服务人员)."""

    __tablename__ = "code_item"
    list_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(Integer)
