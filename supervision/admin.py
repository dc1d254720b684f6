"""Supervision models and their audit history in the auditor admin: read-only, scoped to the actor
(``core.admin.register_app_models``). Writes go through ``supervision.services``, never the admin.

An auditor reads what their scope covers, as every admin page does: an entry where it was listed
(and in the city and province above); each district's own row of a hit — the institution
district's row carries no entry, so its auditors learn only that a match exists.
"""

from core.admin import register_app_models

register_app_models("supervision")
