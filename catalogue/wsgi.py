"""The WSGI entry point for gunicorn (`catalogue serve`): JSON logs (CATALOGUE_LOG_FORMAT=text for plain), then the app."""
from . import create_app
from .logs import configure_from_environment

configure_from_environment()
app = create_app()
