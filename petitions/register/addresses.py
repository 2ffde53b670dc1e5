"""Vietnamese administrative units (two levels since 1/7/2025: province → commune/ward), from the
maintained ``vietnam-provinces`` data package, in Vietnamese alphabetical order (``collation``)."""
from __future__ import annotations

from functools import lru_cache

from vietnam_provinces import Province, Ward

from petitions.register.collation import sort_key


@lru_cache(maxsize=1)
def provinces() -> list[dict]:
    return sorted(({"code": str(int(p.code)), "name": p.name} for p in Province.iter_all()),
                  key=lambda p: sort_key(p["name"]))


@lru_cache(maxsize=1)
def _wards_by_province() -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for ward in Ward.iter_all():
        result.setdefault(str(int(ward.province_code)), []).append(
            {"code": str(int(ward.code)), "name": ward.name})
    for wards in result.values():
        wards.sort(key=lambda w: sort_key(w["name"]))
    return result


def wards(province_code: str) -> list[dict]:
    return _wards_by_province().get(str(province_code), [])


def is_valid(province_code: str | None, ward_code: str | None) -> bool:
    if not province_code:
        return not ward_code
    if province_code not in {p["code"] for p in provinces()}:
        return False
    return not ward_code or ward_code in {w["code"] for w in wards(province_code)}


def describe(province_code: str | None, ward_code: str | None, detail: str | None) -> str:
    names = {p["code"]: p["name"] for p in provinces()}
    ward = next((w["name"] for w in wards(province_code or "") if w["code"] == ward_code), None)
    return ", ".join(part for part in (detail, ward, names.get(province_code or "")) if part)
