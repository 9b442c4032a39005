# The platform in one image: gunicorn (sync workers) and the task worker, started by
# scripts/serve.sh; SERVE_ROLE=web or worker picks one per container (compose.yaml).
# Only requirements.txt is installed: no test or lint tools in production.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHON=/app/.venv/bin/python \
    DEBUG=false \
    BIND=0.0.0.0:8000 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    PROMETHEUS_MULTIPROC_DIR=/tmp/volunteers-metrics \
    COLLECTSTATIC=false

# What the certificate PDFs need (scripts/debian-packages.txt): WeasyPrint's text layout,
# HarfBuzz's font subsetter and a CJK font with a real bold.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
RUN python -m venv /app/.venv && /app/.venv/bin/pip install -r requirements.txt

COPY . .
# Static files are collected once, into the image (COLLECTSTATIC=false at start).
RUN SECRET_KEY=collectstatic-only /app/.venv/bin/python manage.py collectstatic --noinput --verbosity 0

# The folders the server writes (MEDIA_ROOT, PROMETHEUS_MULTIPROC_DIR) belong to its user; a new
# media volume takes this owner from the image. STATIC_ROOT stays root's: it is only read.
RUN useradd --system --uid 10001 --no-create-home volunteers \
    && mkdir -p /data/media /tmp/volunteers-metrics \
    && chown volunteers /data/media /tmp/volunteers-metrics
USER volunteers

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s \
    CMD ["/app/.venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["scripts/serve.sh"]
