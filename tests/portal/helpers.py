"""Filed institutions as the public sees them: an accepted current filing with classes, fees, a point."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, Institution, InstitutionKind, InstitutionStatus
from tests.factories import FilingClassFactory, FilingFactory, InstitutionFactory

HOME_ADDRESS = "翠苑小区 3 幢 402 室"
_seq = [0]


def filed(name, *, lat=None, lng=None, kind=InstitutionKind.INSTITUTION, status=InstitutionStatus.FILED,
          region="330106001", classes=("infant",), fees=None, service_types=("full_day",), address=None,
          slots=30, filing_status=FilingStatus.ACCEPTED):
    _seq[0] += 1
    address = address or (HOME_ADDRESS if kind == InstitutionKind.HOME_DAYCARE else f"杭州市文三路 {_seq[0]} 号")
    receipt = f"{region[:6]}-2026-{_seq[0]:05d}"
    point = {"latitude": Decimal(str(lat)) if lat is not None else None,
             "longitude": Decimal(str(lng)) if lng is not None else None}
    with scopes_disabled():
        institution = InstitutionFactory(name=name, status=status, address=address, kind=kind, region_id=region,
                                         service_types=list(service_types), total_slots=slots, contact_phone="13800138000",
                                         principal_name="王园长", **point)
        filing = FilingFactory(institution=institution, status=filing_status, receipt_no=receipt,
                               decided_at=timezone.now(), total_slots=slots, name=name, address=address,
                               institution_kind=kind, service_types=list(service_types), fees=fees or {},
                               opening_hours="周一至周五 7:30-17:30", **point)
        for class_type in classes:
            FilingClassFactory(filing=filing, class_type=class_type)
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing, receipt_no=receipt)
        institution.refresh_from_db()
    return institution
