"""The web shell: FastAPI app factory, pages (Jinja2 + HTMX + ECharts), JSON API, errors."""
