"""The access policy as data: role × route × method → ``allow`` / ``refuse`` / ``404``.

The table lives in ``docs/policy/access.yaml`` (see its header). ``tests/test_policy_matrix.py``
walks every route the URL resolver knows as every role with every method the view serves and
asserts what this table says; ``docs/security.md`` carries it rendered (``render_markdown``;
regenerate with ``python -m core.access_policy --write``; a test fails when the two differ).

Outcomes: ``allow`` — past the permission check (2xx, a redirect elsewhere than the login page, or
400/409 for an empty body); ``refuse`` — 401/403 or the login page; ``404`` — the object is not
there for that role (the tenant or role wall answers as if it did not exist). A method the view does
not serve (405) has no row: ``ANY`` means every method the route serves, and the test fails when the
table names a method the view answers with 405.

Only pure Python and YAML here: no Django import, so the renderer runs anywhere.
"""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILE = ROOT / "docs" / "policy" / "access.yaml"
SECURITY_DOC = ROOT / "docs" / "security.md"
ANONYMOUS = "anonymous"
OUTCOMES = ("allow", "refuse", "404")
BEGIN = "<!-- BEGIN access-policy (generated from docs/policy/access.yaml by python -m core.access_policy --write) -->"
END = "<!-- END access-policy -->"


def route_key(name: str, template: str) -> str:
    """A route's key in the table: its URL name, or ``/<template>`` when it has none."""
    return name or "/" + template


@dataclass(frozen=True)
class Group:
    title: str
    routes: tuple[str, ...]  # exact keys, or globs (``admin:registry_*``)
    methods: dict  # "GET"/"POST"/... or "ANY" → {"allow": [...], "404": [...]}


class Policy:
    def __init__(self, data: dict):
        self.roles: list[str] = list(data["roles"])
        self.sets: dict[str, list[str]] = {k: list(v) for k, v in (data.get("sets") or {}).items()}
        self.groups = [Group(g["title"], tuple(g["routes"]), dict(g["methods"])) for g in data["groups"]]
        for group in self.groups:
            for method, rule in group.methods.items():
                unknown = set(rule) - {"allow", "404"}
                assert not unknown, f"{group.title} {method}: unknown keys {unknown}"
                for kind in ("allow", "404"):
                    for role in self.expand(rule.get(kind)):
                        assert role in self.roles, f"{group.title} {method}: unknown role {role!r}"

    def expand(self, names) -> list[str]:
        if names in (None, "none"):
            return []
        if isinstance(names, str):
            names = [names]
        out: list[str] = []
        for name in names:
            out += self.roles if name == "everyone" else self.sets.get(name, [name])
        return out

    def group_of(self, key: str) -> Group | None:
        """The last group naming ``key`` exactly, else the last whose glob matches it."""
        exact = [g for g in self.groups if key in g.routes]
        if exact:
            return exact[-1]
        globbed = [g for g in self.groups if any("*" in p and fnmatch.fnmatchcase(key, p) for p in g.routes)]
        return globbed[-1] if globbed else None

    @staticmethod
    def rule_for(group: Group, method: str) -> dict | None:
        """The rule of ``method`` in ``group``: a key naming it (``"GET"``, ``"POST, DELETE"``), else ``ANY``."""
        method = method.upper()
        for key, rule in group.methods.items():
            if method in (m.strip() for m in key.split(",")):
                return rule
        return group.methods.get("ANY")

    def lists_method(self, key: str, method: str) -> bool:
        """Whether the table names ``method`` itself for this route (not through ``ANY``)."""
        group = self.group_of(key)
        return group is not None and self.rule_for(group, method) not in (None, group.methods.get("ANY"))

    def methods_of(self, key: str) -> list[str]:
        """The methods the table names for this route (``ANY`` stays ``ANY``)."""
        group = self.group_of(key)
        return [] if group is None else [m.strip() for k in group.methods for m in k.split(",")]

    def expected(self, key: str, method: str, role: str) -> str | None:
        """What the table says, or ``None`` when the route is not in it."""
        group = self.group_of(key)
        if group is None:
            return None
        rule = self.rule_for(group, method)
        if rule is None:
            return None
        if role in self.expand(rule.get("404")):
            return "404"
        if role in self.expand(rule.get("allow")):
            return "allow"
        return "refuse"


@lru_cache(maxsize=1)
def load(path: Path = POLICY_FILE) -> Policy:
    return Policy(yaml.safe_load(path.read_text(encoding="utf-8")))


ROLE_LABELS = {
    "anonymous": "匿名", "operator": "举办者", "district_reviewer": "区审核", "district_inspector": "区检查",
    "district_admin": "区管理", "city_viewer": "市查看", "city_admin": "市管理", "province_viewer": "省查看",
    "national_viewer": "国家查看", "auditor": "审计员", "security_admin": "安全管理员", "system_admin": "系统管理员",
    "registration_authority": "登记机关",
}


def _cell(policy: Policy, rule: dict, role: str) -> str:
    if role in policy.expand(rule.get("404")):
        return "404"
    return "✓" if role in policy.expand(rule.get("allow")) else "✗"


def render_markdown(policy: Policy | None = None) -> str:
    policy = policy or load()
    head = "| 路由组 | 方法 | " + " | ".join(ROLE_LABELS.get(r, r) for r in policy.roles) + " |"
    lines = [BEGIN, "",
             "✓ 允许（通过权限检查）· ✗ 拒绝（401/403 或转到登录页）· 404 对该角色不存在。"
             "每组包含的路由见 `docs/policy/access.yaml`。", "", head,
             "|" + "---|" * (len(policy.roles) + 2)]
    for group in policy.groups:
        for method, rule in group.methods.items():
            cells = " | ".join(_cell(policy, rule, r) for r in policy.roles)
            lines.append(f"| {group.title} ({len(group.routes)}) | {method} | {cells} |")
    lines += ["", END]
    return "\n".join(lines)


def doc_section(text: str) -> str | None:
    if BEGIN not in text or END not in text:
        return None
    return text[text.index(BEGIN):text.index(END) + len(END)]


def write_doc(path: Path = SECURITY_DOC) -> None:
    text = path.read_text(encoding="utf-8")
    current = doc_section(text)
    assert current is not None, f"{path}: no {BEGIN!r} … {END!r} markers"
    path.write_text(text.replace(current, render_markdown()), encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_doc()
    else:
        print(render_markdown())
