"""Roles, what scope each takes, and what each may do: the platform's vocabulary, shared by every app.

An assignment (``accounts.Assignment``) gives a user one role in one scope. Apps decide who may do
what with these sets (``core.permissions.require_role``); the kernel's admin site and menus read them.
"""

from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "机构举办者/负责人"
    DISTRICT_REVIEWER = "district_reviewer", "区县备案审核员"
    DISTRICT_INSPECTOR = "district_inspector", "区县监督检查员"
    DISTRICT_ADMIN = "district_admin", "区县管理员"
    CITY_VIEWER = "city_viewer", "市级查看"
    PROVINCE_VIEWER = "province_viewer", "省级查看"
    NATIONAL_VIEWER = "national_viewer", "国家级查看"
    AUDITOR = "auditor", "审计员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    REGISTRATION_AUTHORITY = "registration_authority", "登记机关（接口账号）"
    CITY_ADMIN = "city_admin", "市级管理员"


# 三员分立: system, security and audit administration are held by different people.
ADMINISTRATIVE_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})

# Scope kinds each role accepts.
INSTITUTION_SCOPED = frozenset({Role.OPERATOR})
DISTRICT_SCOPED = frozenset({Role.DISTRICT_REVIEWER, Role.DISTRICT_INSPECTOR, Role.DISTRICT_ADMIN})
PROVINCE_SCOPED = frozenset({Role.PROVINCE_VIEWER})
# Only the whole country (scope "000000").
COUNTRY_SCOPED = frozenset({Role.NATIONAL_VIEWER})
CITY_SCOPED = frozenset({Role.CITY_VIEWER, Role.CITY_ADMIN})
# Any region level (province, city, district) or the whole country (scope "000000").
ANY_REGION_SCOPED = frozenset({Role.AUDITOR, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN,
                               Role.REGISTRATION_AUTHORITY})
COUNTRY_CODE = "000000"

# Capabilities.
REVIEWERS = frozenset({Role.DISTRICT_REVIEWER, Role.DISTRICT_ADMIN})
# Read-only commission officials above a district: a city, a province, the country.
REGION_VIEWERS = frozenset({Role.CITY_VIEWER, Role.PROVINCE_VIEWER, Role.NATIONAL_VIEWER})
COMMISSION_STAFF = frozenset({Role.DISTRICT_REVIEWER, Role.DISTRICT_INSPECTOR, Role.DISTRICT_ADMIN}) | REGION_VIEWERS
# Roles that may reveal a full ID number (each reveal is audited).
MAY_REVEAL_PERSONAL = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_REVIEWER})
ADMIN_SITE_ROLES = frozenset({Role.AUDITOR, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})
# 三员分立, the read side: business rows (institutions, filings, staff, children, claims, supervision) in the
# admin site are the auditor's to read; the system and security admins run the system and its accounts.
BUSINESS_DATA_READERS = frozenset({Role.AUDITOR})
# ... and outside the admin site (pages, API) the system and security admins see no business row at all:
# their tenant scope there is empty, so a filing, document or staff member is 404 to them (core.middleware).
NO_BUSINESS_DATA = ADMINISTRATIVE_ROLES - BUSINESS_DATA_READERS
