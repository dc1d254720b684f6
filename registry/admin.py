"""Registry models and their audit history in the auditor admin: read-only, scoped to the actor.

Every model of the app (including ones added later) is registered by ``register_app_models``;
writes go through ``registry.services``, never through the admin.
"""

from core.admin import register_app_models

register_app_models("registry")
