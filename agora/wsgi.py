import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from agora.core.warm_gc import FreezeWhenWarm

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings.base")
application = FreezeWhenWarm(get_wsgi_application(), settings.GC_FREEZE_AFTER_REQUESTS)
