"""manage.py seed_supervision_demo: the blacklist's demo data, across two provinces (run by
``seed_demo`` after the registry's demo data; idempotent).

东莞市东城街道 (广东, a filing tenant in a city without counties) lists two people for life:
- 赵某某, whom 西湖区小橡树托育园's operator (浙江) then tries to put on the roster: refused, and
  the attempt is a hit for 东城街道 (the entry in full) and for 西湖区 (only that a match exists);
- a carer already on the roster of 拱墅区运河托育园: found at once when listed (a hit for
  东城街道 and 拱墅区).
Writes go through the services, as a district admin and an operator would make them. An entry
already listed is left as it is (nothing is attempted again).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from core import crypto
from core.errors import DomainError
from core.validators import id_check_char
from regions.models import Region

DONGGUAN = "441900003"  # 东莞市东城街道
ADMIN = "dongguan_admin"
ATTEMPTING_OPERATOR, ATTEMPTED_AT = "op_xh01", "西湖区小橡树托育园"
ROSTER_INSTITUTION = "拱墅区运河托育园"


def listed_id_number() -> str:
    body = "441900198703150" + "47"
    return body + id_check_char(body)


class Command(BaseCommand):
    help = "写入从业禁止名单演示数据：东莞市东城街道列入的人员在浙江被命中。可重复执行。"

    def handle(self, *args, **options):
        from registry.inputs import parse_staff
        from registry.models import Institution, Staff
        from registry.services.staff import staff_create
        from supervision.models import BlacklistEntry
        from supervision.services.blacklist import entry_create

        if not Region.objects.filter(code=DONGGUAN).exists() or not User.objects.filter(username=ADMIN).exists():
            self.stderr.write(self.style.WARNING("跳过从业禁止名单演示数据：缺少东莞市东城街道或其管理员账号。"))
            return
        admin = User.objects.get(username=ADMIN)
        number = listed_id_number()
        with scopes_disabled():
            if BlacklistEntry.objects.filter(district_id=DONGGUAN, id_number_hash=crypto.blind_index(number)).exists():
                return  # already seeded
            entry_create(actor=admin, data={
                "kind": "person", "id_number": number, "name": "赵某某", "banned_until": None,
                "reason": "在托育机构工作期间多次殴打被看护婴幼儿，情节恶劣。",
                "basis": "东莞市卫生健康局行政处罚决定书", "decision_number": "东卫罚〔2026〕7号"})
            carer = (Staff.objects.filter(institution__name=ROSTER_INSTITUTION, role="caregiver")
                     .order_by("id").first())
            if carer is not None:
                entry_create(actor=admin, data={
                    "kind": "person", "id_number": carer.id_number, "name": carer.name, "banned_until": None,
                    "reason": "曾因虐待被看护人罪被判处刑罚。", "basis": "东莞市第一人民法院刑事判决书",
                    "decision_number": "（2025）粤1971刑初123号"})
            operator = User.objects.filter(username=ATTEMPTING_OPERATOR).first()
            institution = Institution.objects.filter(name=ATTEMPTED_AT).first()
        if operator is None or institution is None:
            return
        today = timezone.localdate()
        try:  # refused (blacklisted), and recorded as a hit for both districts
            with scopes_disabled():
                staff_create(actor=operator, institution_id=institution.pk, data=parse_staff({
                    "name": "赵某某", "id_number": number, "role": "caregiver",
                    "start_date": today.isoformat(), "years_experience": 3}))
        except DomainError as exc:
            self.stdout.write(f"从业禁止名单演示：{ATTEMPTED_AT}新增“赵某某”被拒绝（{exc.code}），两地均已记录命中。")
