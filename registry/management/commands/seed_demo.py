"""manage.py seed_demo: idempotent demo data for two districts of Hangzhou (西湖区, 拱墅区).

Writes go through the services (accounts, registration push, claims, staff, filings), so the
demo data obeys the same rules, audit and events as real data. Running it twice changes nothing.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scopes_disabled

from accounts.roles import Role
from accounts.services import account_create_or_grant
from regions.models import Region

ACCOUNTS_MARKER = "=== DEMO ACCOUNTS ==="
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Tuoyu#2026")
CITY, XIHU, GONGSHU = "330100", "330106", "330105"

# username, display name, role, scope
STAFF_ACCOUNTS = [
    ("xihu_reviewer", "西湖区备案审核员", Role.DISTRICT_REVIEWER, XIHU),
    ("xihu_inspector", "西湖区监督检查员", Role.DISTRICT_INSPECTOR, XIHU),
    ("xihu_admin", "西湖区管理员", Role.DISTRICT_ADMIN, XIHU),
    ("gongshu_reviewer", "拱墅区备案审核员", Role.DISTRICT_REVIEWER, GONGSHU),
    ("gongshu_inspector", "拱墅区监督检查员", Role.DISTRICT_INSPECTOR, GONGSHU),
    ("gongshu_admin", "拱墅区管理员", Role.DISTRICT_ADMIN, GONGSHU),
    ("hz_city", "杭州市卫健委（查看）", Role.CITY_VIEWER, CITY),
    ("hz_auditor", "审计员", Role.AUDITOR, CITY),
    ("hz_security", "安全管理员", Role.SECURITY_ADMIN, CITY),
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "000000"),
    ("hz_amr_api", "杭州市市场监管局（接口）", Role.REGISTRATION_AUTHORITY, CITY),
]


class Command(BaseCommand):
    help = "写入演示数据（杭州市西湖区、拱墅区）：各状态机构、人员、各角色演示账号。可重复执行。"

    def handle(self, *args, **options):
        missing = [code for code in (CITY, XIHU, GONGSHU) if not Region.objects.filter(code=code).exists()]
        if missing:
            raise CommandError(f"缺少行政区划 {', '.join(missing)}：请先运行 manage.py load_regions。")
        rows = []
        with scopes_disabled(), transaction.atomic():
            for username, display_name, role, scope in STAFF_ACCOUNTS:
                account_create_or_grant(actor=None, username=username, password=DEMO_PASSWORD, role=role,
                                        scope=scope, display_name=display_name)
                rows.append((username, role, Region.objects.get(code=scope).name if scope != "000000" else "全国"))
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        self.stdout.write(ACCOUNTS_MARKER)
        self.stdout.write(f"  password for every account: {DEMO_PASSWORD}")
        for username, role, scope_name in rows:
            self.stdout.write(f"  {username:<22} {Role(role).label}（{scope_name}）")
