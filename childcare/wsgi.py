import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")
application = get_wsgi_application()

# The loaded project frozen out of the collector's walks, a request's garbage collected in bulk
# (core/runtime.py; GC_THRESHOLD in docs/operations.md).
from core.runtime import tune_gc  # noqa: E402

tune_gc()
