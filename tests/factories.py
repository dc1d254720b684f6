"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt
import random

import factory
from django.utils import timezone

from accounts.models import User
from core.validators import USCC_ALPHABET, id_check_char, uscc_check_char
from registry.models import Institution, InstitutionNature, Staff, StaffRole


def make_uscc(region_code: str = "330106", seed: int | None = None) -> str:
    rnd = random.Random(seed)
    body = "92" + region_code[:6] + "".join(rnd.choice(USCC_ALPHABET[:10] + "MA") for _ in range(9))
    body = body[:17]
    return body + uscc_check_char(body)


def make_id_number(region_code: str = "110105", born: dt.date = dt.date(1990, 5, 17), seq: int = 1) -> str:
    body = f"{region_code[:6]}{born:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    uscc = factory.Sequence(lambda n: make_uscc("330106", seed=n))
    name = factory.Sequence(lambda n: f"西湖区第{n}托育园")
    nature = InstitutionNature.ENTERPRISE
    address = "杭州市西湖区文三路 1 号"
    legal_representative = factory.Faker("name", locale="zh_CN")
    principal_name = factory.Faker("name", locale="zh_CN")
    registered_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    region_id = "330106001"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from regions.models import Region

        region = kwargs.pop("region", None) or Region.objects.get(code=kwargs.pop("region_id"))
        kwargs.pop("region_id", None)
        obj = model_class(*args, **kwargs)
        obj.set_region(region)
        obj.save()
        return obj


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Faker("name", locale="zh_CN")
    role = StaffRole.CAREGIVER
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    health_certificate_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    id_number = factory.Sequence(lambda n: make_id_number(seq=n))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from core import crypto
        from core.validators import mask_id_number

        number = kwargs.pop("id_number")
        obj = model_class(*args, **kwargs)
        obj.id_number_encrypted = crypto.encrypt(number)
        obj.id_number_hash = crypto.blind_index(number)
        obj.id_number_masked = mask_id_number(number)
        obj.set_region(obj.institution.region)
        obj.save()
        return obj
