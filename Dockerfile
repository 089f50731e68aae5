# One image for every role: web (default), worker, click drain. See docker/entrypoint.sh.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    FLASK_APP=wsgi \
    APP_ENV=production \
    UPLOAD_DIR=/app/instance/uploads

WORKDIR /app

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# pg_dump/pg_restore for `flask backup`, of the compose file's Postgres major version (16): a
# pg_dump older than the server refuses to dump it, and Debian 12 itself ships 15.
ARG POSTGRES_CLIENT_VERSION=16
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
    > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends "postgresql-client-${POSTGRES_CLIENT_VERSION}" \
 && apt-get purge -y curl gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes reuse this layer.
COPY requirements.txt .
RUN pip install --no-input -r requirements.txt

COPY . .
# The upload and log folders exist in the image with the app user as owner, so named volumes
# mounted there start out writable by it.
RUN pybabel -q compile -d app/translations \
 && chmod 0755 docker/entrypoint.sh \
 && mkdir -p instance/uploads instance/spool instance/backups logs \
 && chown -R app:app instance logs

USER app
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
