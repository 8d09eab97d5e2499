import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
application = get_wsgi_application()

# Each gunicorn worker builds its point-to-grid index in the background as it starts, so that
# no request waits for it (grid.index).
from grid.index import warm_up  # noqa: E402  (needs the settings loaded above)

warm_up()
