"""WSGI entry point (gunicorn studio.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, DRF, settings) lives as long as the process:
# keep it out of the cyclic garbage collector's scans. Each full collection otherwise walks
# those ~150,000 objects again; it was 15-20% of a review-queue request's CPU time (bench/README.md).
gc.collect()
gc.freeze()
