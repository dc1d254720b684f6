# 托育机构备案与监管平台 — one image for web (gunicorn), Celery worker, beat and the migrate job.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1

# CJK font for PDF receipts and notices; nothing else from apt.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*

# uv from PyPI (pinned), so the build needs only the Python package index.
RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app
# Dependencies first (cached layer), exactly as locked; no dev tools, no embedded servers.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
ENV PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=childcare.settings \
    DJANGO_ENV=production \
    STATIC_ROOT=/app/var/static \
    MEDIA_ROOT=/app/var/media \
    CJK_FONT_PATH=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

# Static files with the production (hashed, compressed) storage. The values below exist only for
# this build step so the production checks pass; the running container gets real ones from .env.
RUN SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0000 \
    ALLOWED_HOSTS=build.invalid \
    FIELD_ENCRYPTION_KEYS=build:YnVpbGQtb25seS1idWlsZC1vbmx5LWJ1aWxkLW9ubHk= \
    BLIND_INDEX_KEY=YnVpbGQtb25seS1ibGluZC1pbmRleC1rZXk= \
    DATABASE_URL=postgres://build@127.0.0.1:1/build \
    python manage.py collectstatic --noinput --verbosity 0

# Non-root: the app can write only its media directory.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
 && mkdir -p /app/var/media \
 && chown -R app:app /app/var/media
USER app

EXPOSE 8000
# Behind the proxy (docker-compose.yml): gunicorn trusts forwarded headers from no one by default;
# compose names the proxy's address with --forwarded-allow-ips.
CMD ["gunicorn", "childcare.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", \
     "--access-logfile", "-"]
