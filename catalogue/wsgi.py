"""The WSGI entry point for gunicorn (`catalogue serve`): JSON logs (CATALOGUE_LOG_FORMAT=text for plain), then the app."""
import os

from . import create_app
from .logs import configure

if os.environ.get("CATALOGUE_LOG_FORMAT", "json") == "json":
    configure(os.environ.get("CATALOGUE_LOG_LEVEL", "INFO"))
app = create_app()
