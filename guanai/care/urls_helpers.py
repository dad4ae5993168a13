"""The helper register and pairing (结对帮扶): filled in by views_helpers."""

urlpatterns: list = []
