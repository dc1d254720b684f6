"""manage.py seed_demo: idempotent demo data for two districts of Hangzhou (西湖区, 拱墅区).

Writes go through the services (accounts, registration push, staff, documents, filings), so the
demo data obeys the same rules, audit and events as real data. Running it twice changes nothing:
accounts are granted idempotently, registrations are keyed by credit code, and an institution
that already has a filing is left as it is.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User
from accounts.roles import Role
from accounts.services import account_create_or_grant
from core.errors import DomainError
from core.validators import id_check_char, uscc_check_char
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
    ("zj_province", "浙江省卫健委（查看）", Role.PROVINCE_VIEWER, "330000"),
    ("nhc_national", "国家卫健委（查看）", Role.NATIONAL_VIEWER, "000000"),
    ("hz_city_admin", "杭州市卫健委（补助管理）", Role.CITY_ADMIN, CITY),
    ("hz_auditor", "审计员", Role.AUDITOR, CITY),
    ("hz_security", "安全管理员", Role.SECURITY_ADMIN, CITY),
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "000000"),
    ("hz_amr_api", "杭州市市场监管局（接口）", Role.REGISTRATION_AUTHORITY, CITY),
]
# Another province, for what is national (the blacklist): 东莞市东城街道, a filing tenant in a city
# without counties. Seeded when the region tree has it.
DONGGUAN = "441900003"
OTHER_PROVINCE_ACCOUNTS = [
    ("dongguan_admin", "东莞市东城街道管理员", Role.DISTRICT_ADMIN, DONGGUAN),
    ("dongguan_reviewer", "东莞市东城街道备案审核员", Role.DISTRICT_REVIEWER, DONGGUAN),
]


@dataclass(frozen=True)
class DemoInstitution:
    key: str  # stable: seeds the credit code and the operator's username
    name: str
    district: str
    # registered | draft | submitted | returned | resubmitted | withdrawn | rejected | filed
    # | change_submitted | suspended | terminated
    target: str
    operator: bool = True
    slots: int = 40


INSTITUTIONS = [
    DemoInstitution("xh01", "西湖区小橡树托育园", XIHU, "filed"),
    DemoInstitution("xh02", "西湖区星河托育中心", XIHU, "submitted"),
    DemoInstitution("xh03", "西湖区向日葵托育园", XIHU, "returned"),
    DemoInstitution("xh04", "西湖区蓝天托育园", XIHU, "registered", operator=False),
    DemoInstitution("xh05", "西湖区春芽托育园", XIHU, "resubmitted"),
    DemoInstitution("xh06", "西湖区知更鸟托育园", XIHU, "rejected"),
    DemoInstitution("gs01", "拱墅区运河托育园", GONGSHU, "filed"),
    DemoInstitution("gs02", "拱墅区暖阳托育中心", GONGSHU, "terminated"),
    DemoInstitution("gs03", "拱墅区彩虹托育园", GONGSHU, "suspended"),
    DemoInstitution("gs04", "拱墅区小雨点托育园", GONGSHU, "draft"),
    DemoInstitution("gs05", "拱墅区青禾托育园", GONGSHU, "change_submitted"),
    DemoInstitution("gs06", "拱墅区梧桐托育园", GONGSHU, "withdrawn"),
]

REVIEWER = {XIHU: "xihu_reviewer", GONGSHU: "gongshu_reviewer"}


def demo_uscc(key: str, district: str) -> str:
    """A valid, stable credit code: 91 (enterprise) + district + 9 characters from the key."""
    digits = "".join(str(ord(c) % 10) for c in key).ljust(9, "0")[:9]
    body = "91" + district + digits
    return body + uscc_check_char(body)


def demo_id_number(key: str, seq: int, born: dt.date) -> str:
    body = f"330106{born:%Y%m%d}{(sum(map(ord, key)) * 7 + seq) % 1000:03d}"
    return body + id_check_char(body)


def full_documents() -> list[str]:
    """Every document a filing that serves meals needs."""
    from registry.models import DocumentType

    return [DocumentType.BUSINESS_LICENCE, DocumentType.PREMISES_PROOF, DocumentType.STAFF_CERTIFICATES,
            DocumentType.HYGIENE_REPORT, DocumentType.FIRE_SAFETY, DocumentType.FOOD_LICENCE]


def demo_pdf(title: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=f"DEMO SCAN: {title}")
    return bytes(pdf.output())


class Command(BaseCommand):
    help = "写入演示数据（杭州市西湖区、拱墅区）：各状态机构、人员、各角色演示账号。可重复执行。"

    def handle(self, *args, **options):
        missing = [code for code in ("330000", CITY, XIHU, GONGSHU) if not Region.objects.filter(code=code).exists()]
        if missing:
            raise CommandError(f"缺少行政区划 {', '.join(missing)}：请先运行 manage.py load_regions。")
        rows: list[tuple[str, str, str]] = []
        accounts = STAFF_ACCOUNTS + (OTHER_PROVINCE_ACCOUNTS if Region.objects.filter(code=DONGGUAN).exists() else [])
        with scopes_disabled():
            with transaction.atomic():
                for username, display_name, role, scope in accounts:
                    account_create_or_grant(actor=None, username=username, password=DEMO_PASSWORD, role=role,
                                            scope=scope, display_name=display_name)
                    scope_name = Region.objects.get(code=scope).name if scope != "000000" else "全国"
                    rows.append((username, Role(role).label, scope_name))
            for spec in INSTITUTIONS:
                try:
                    with transaction.atomic():
                        operator = self.seed_institution(spec)
                except DomainError as exc:
                    self.stderr.write(self.style.WARNING(
                        f"跳过 {spec.name}（目标状态 {spec.target}）：{exc.message} {exc.fields or ''}"))
                    continue
                except ImportError as exc:
                    self.stderr.write(self.style.WARNING(f"跳过机构演示数据：服务尚未就绪（{exc}）"))
                    break
                if operator:
                    rows.append((operator, Role.OPERATOR.label, spec.name))
        # The other apps' demo data, by command name (registry imports no other domain app).
        for app_label, command in (("supervision", "seed_supervision_demo"), ("supervision", "seed_inspection_demo"),
                                   ("supervision", "seed_enforcement_demo"), ("supervision", "seed_complaints_demo"),
                                   ("portal", "seed_portal_demo"), ("indicators", "seed_indicators_demo"),
                                   ("subsidies", "seed_subsidies_demo")):
            if apps.is_installed(app_label):
                call_command(command, stdout=self.stdout, stderr=self.stderr)
        # The province and country home pages read the district summaries: fill them now, as the
        # 10-minute schedule would, so the auditors' home shows the figures and when they were summed.
        from core.sweeps import run_sweep

        run_sweep("registry.dashboard_summaries")
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        self.stdout.write(ACCOUNTS_MARKER)
        self.stdout.write(f"  password for every account: {DEMO_PASSWORD}")
        for username, label, scope_name in rows:
            self.stdout.write(f"  {username:<22} {label}（{scope_name}）")

    # ------------------------------------------------------------------------------------------
    def seed_institution(self, spec: DemoInstitution) -> str | None:
        from registry.inputs import parse_registration
        from registry.models import Filing, Institution
        from registry.services.institutions import institution_suspend, registration_push

        authority = User.objects.get(username="hz_amr_api")
        township = Region.objects.filter(parent_id=spec.district).order_by("code").first()
        uscc = demo_uscc(spec.key, spec.district)
        registration_push(actor=authority, data=parse_registration({
            "uscc": uscc, "name": spec.name, "nature": "enterprise", "legal_representative": "张" + spec.name[3:5],
            "address": f"杭州市{Region.objects.get(code=spec.district).name}{township.name if township else ''}演示路 "
                       f"{int(spec.key[2:]) * 10} 号",
            "district": (township or Region.objects.get(code=spec.district)).code,
            "registered_on": (timezone.localdate() - dt.timedelta(days=90)).isoformat(),
            # Names the service types the demo files (the change filing adds 计时托): the checklist
            # compares them (rules.check_business_scope).
            "business_scope": "托育服务（全日托、半日托、计时托；不含婴幼儿托育以外的教育培训）",
        }))
        institution = Institution.objects.get(uscc=uscc)
        if not spec.operator:
            return None
        username = f"op_{spec.key}"
        account_create_or_grant(actor=None, username=username, password=DEMO_PASSWORD, role=Role.OPERATOR,
                                scope=uscc, display_name=f"{spec.name}负责人")
        if spec.target == "registered" or Filing.objects.filter(institution=institution).exists():
            return username  # already seeded (idempotent)
        operator = User.objects.get(username=username)
        reviewer = User.objects.get(username=REVIEWER[spec.district])
        self.seed_staff(operator, institution, spec)
        filing = self.prepare_filing(operator, institution, spec)
        if spec.target == "draft":
            return username
        self.submit(operator, filing.pk)
        if spec.target == "submitted":
            return username
        from registry.services.filings import filing_accept, filing_reject, filing_return

        if spec.target == "rejected":  # back to registered: it may file again once it meets the conditions
            filing_reject(actor=reviewer, filing_id=filing.pk,
                          reasons=["托育场所设在四层，婴幼儿生活用房不得设置在四层及以上。",
                                   "户外活动场地与机动车道之间未设置隔离设施。"],
                          basis="《托育机构设置标准（试行）》第三章“场地设施”")
            return username
        if spec.target in ("returned", "resubmitted", "withdrawn"):
            filing_return(actor=reviewer, filing_id=filing.pk,
                          reasons=["场地证明为复印件且未加盖出租方公章，请上传加盖公章的租赁合同。",
                                   "消防安全检查合格证明模糊，请重新上传清晰扫描件。"])
            if spec.target == "resubmitted":
                from registry.models import DocumentType

                self.attach_documents(operator, filing.pk, [DocumentType.PREMISES_PROOF, DocumentType.FIRE_SAFETY])
                self.submit(operator, filing.pk)
            elif spec.target == "withdrawn":
                from registry.services.filings import filing_withdraw

                filing_withdraw(actor=operator, filing_id=filing.pk)
            return username
        filing_accept(actor=reviewer, filing_id=filing.pk)
        # The demo's receipts exist before its worker starts (the task queued on commit then finds
        # them stored and does nothing more).
        from registry.services.receipts import filing_render_documents

        filing_render_documents(filing_id=filing.pk)
        if spec.target == "change_submitted":
            from registry.services.filings import filing_create, filing_update_form

            change = filing_create(actor=operator, institution_id=institution.pk, kind="change")
            filing_update_form(actor=operator, filing_id=change.pk, data={
                "name": spec.name.replace("托育园", "托育中心"),
                "service_types": ["full_day", "half_day", "hourly"],
            })
            # The filed materials carry over; a new name and new service types ask only for the licence.
            from registry.models import DocumentType

            self.attach_documents(operator, change.pk, [DocumentType.BUSINESS_LICENCE])
            self.submit(operator, change.pk)
        if spec.target == "suspended":
            institution_suspend(actor=reviewer, institution_id=institution.pk,
                                reason="消防设施检查发现疏散通道堵塞，暂停服务整改，整改合格后恢复。")
        elif spec.target == "terminated":
            from registry.services.filings import filing_create, filing_update_form

            termination = filing_create(actor=operator, institution_id=institution.pk, kind="termination")
            filing_update_form(actor=operator, filing_id=termination.pk, data={
                "termination_date": timezone.localdate(),  # today: terminated at once
                "placement_plan": "在托婴幼儿已与家长协商，转入拱墅区运河托育园。",
                "staff_settlement_plan": "保育人员 6 名由拱墅区运河托育园录用；其余人员协商解除劳动合同，依法支付经济补偿。",
            })
            self.attach_documents(operator, termination.pk, [])
            self.submit(operator, termination.pk)
            filing_accept(actor=reviewer, filing_id=termination.pk)
        return username

    def seed_staff(self, operator, institution, spec: DemoInstitution) -> None:
        from registry.inputs import parse_staff
        from registry.services.staff import staff_create

        today = timezone.localdate()
        people = [
            ("principal", "college", 6, [("principal_training", "PT-2024-")], "王"),
            ("caregiver", "college", 3, [("childcare", "BY-")], "李"),
            ("caregiver", "college", 2, [("childcare", "BY-")], "赵"),
            ("caregiver", "below_college", 4, [("childcare", "BY-")], "孙"),
            ("caregiver", "college", 1, [("childcare", "BY-")], "周"),
            ("caregiver", "bachelor", 2, [("childcare", "BY-")], "吴"),
            ("caregiver", "college", 5, [("childcare", "BY-")], "郑"),
            ("caregiver", "college", 2, [("childcare", "BY-")], "钱"),
            ("caregiver", "bachelor", 3, [("childcare", "BY-")], "何"),
            ("health_part_time", "college", 8, [("health", "HS-")], "陈"),
            ("security_guard", "below_college", 5, [("security", "BA-")], "冯"),
            ("cook", "below_college", 10, [("cook", "CS-")], "褚"),
        ]
        for seq, (role, education, years, quals, surname) in enumerate(people, start=1):
            staff_create(actor=operator, institution_id=institution.pk, data=parse_staff({
                "name": f"{surname}{'晓明思雨子涵欣怡浩然佳琪'[seq - 1]}{spec.key[-1]}",
                "id_number": demo_id_number(spec.key, seq, dt.date(1980 + seq, seq, 10 + seq)),
                "role": role, "education": education, "years_experience": years,
                "health_certificate_date": (today - dt.timedelta(days=60)).isoformat(),
                "criminal_record_checked": True,
                "criminal_record_checked_on": (today - dt.timedelta(days=90)).isoformat(),
                "start_date": (today - dt.timedelta(days=30 * seq)).isoformat(),
                "qualifications": [{"type": t, "number": f"{prefix}{spec.key}{seq:03d}",
                                    "expires_on": (today + dt.timedelta(days=900)).isoformat()} for t, prefix in quals],
            }))

    def prepare_filing(self, operator, institution, spec: DemoInstitution):
        from registry.inputs import parse_filing_form
        from registry.services.filings import filing_create, filing_set_classes, filing_update_form

        today = timezone.localdate()
        filing = filing_create(actor=operator, institution_id=institution.pk)
        filing_update_form(actor=operator, filing_id=filing.pk, data=parse_filing_form({
            "name": spec.name, "institution_kind": "institution", "address": institution.address,
            # Each at its own point on the public map (a few hundred metres apart).
            "latitude": f"{(30.274100 if spec.district == XIHU else 30.319000) + 0.004 * int(spec.key[-1]):.6f}",
            "longitude": f"{(120.130000 if spec.district == XIHU else 120.150000) - 0.003 * int(spec.key[-1]):.6f}",
            "legal_representative": institution.legal_representative, "principal_name": "王晓" + spec.key[-1],
            "contact_phone": "13800000" + f"{sum(map(ord, spec.key)) % 1000:03d}",
            "service_types": ["full_day", "half_day"], "total_slots": spec.slots,
            "building_area": "520.00", "outdoor_area": "160.00", "opening_hours": "周一至周五 7:30-17:30",
            "fees": {"full_day": 280000, "half_day": 160000}, "meals_served": True,
            "premises_type": "leased", "lease_start": (today - dt.timedelta(days=200)).isoformat(),
            "lease_end": (today + dt.timedelta(days=365 * 5)).isoformat(), "hygiene_evaluation_passed": True,
        }))
        filing_set_classes(actor=operator, filing_id=filing.pk, classes=[
            {"class_type": "infant", "planned_children": 6, "carers": 2, "name": "乳儿一班", "min_age_months": 6,
             "max_age_months": 12},
            {"class_type": "toddler", "planned_children": 14, "carers": 3, "name": "托小一班",
             "min_age_months": 12, "max_age_months": 24},
            {"class_type": "older_toddler", "planned_children": 20, "carers": 3, "name": "托大一班",
             "min_age_months": 24, "max_age_months": 36},
        ])
        self.attach_documents(operator, filing.pk, full_documents())
        return filing


    def attach_documents(self, operator, filing_id: int, doc_types) -> None:
        from registry.services.documents import document_upload

        for doc_type in doc_types:
            document_upload(actor=operator, filing_id=filing_id, doc_type=doc_type,
                            uploaded_file=SimpleUploadedFile(f"{doc_type}.pdf", demo_pdf(doc_type),
                                                             content_type="application/pdf"))

    def submit(self, operator, filing_id: int) -> None:
        from registry.services.filings import filing_sign_commitment, filing_submit

        filing_sign_commitment(actor=operator, filing_id=filing_id, signer=operator.display_name, ip="127.0.0.1")
        filing_submit(actor=operator, filing_id=filing_id)
