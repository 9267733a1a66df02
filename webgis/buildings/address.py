"""Standard addresses (标准地址) in the two forms of the registration form (附件2):

rural  村（社区） / 第N网格 / 组 / 号
urban  村（社区） / 第N网格 / 小区（路） / 幢（号） / 单元 / 室
"""

SEP = " / "


def building_parts(village: str, grid: str, b) -> list[str]:
    """Return the address parts down to the building."""
    if b.address_form == "urban":
        return [p for p in (village, grid, b.compound, b.building_no) if p]
    return [p for p in (village, grid, b.group_name, b.house_no) if p]


def household_parts(h) -> list[str]:
    """Return the address parts inside the building (单元 / 室, or the rural 户 label)."""
    return [p for p in (h.unit, h.room) if p]


def building_address(village: str, grid: str, b) -> str:
    """Return the standard address of a building."""
    return SEP.join(building_parts(village, grid, b))


def household_address(village: str, grid: str, b, h) -> str:
    """Return the standard address of a household/room."""
    return SEP.join(building_parts(village, grid, b) + household_parts(h))
