"""The FastAPI service: ``create_app(settings)``."""
