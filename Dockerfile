# Pitbox server image: NiceGUI on port 8080, PostgreSQL through DATABASE_URL.
#
#   docker build -t pitbox .
#   docker run --rm -e DATABASE_URL=postgres://user:password@host:5432/pitbox pitbox aerich heads
#   docker run --rm -e DATABASE_URL=postgres://user:password@host:5432/pitbox pitbox aerich upgrade
#   docker run -d -p 8080:8080 \
#       -e DATABASE_URL=postgres://user:password@host:5432/pitbox \
#       -e PITBOX_STORAGE_SECRET=<long random string> pitbox
#
# Runtime environment (see docs/deployment.md):
#   DATABASE_URL              postgres://user:password@host:5432/db (postgresql:// works too).
#                             Unset: embedded SQLite in $PITBOX_DATA_DIR, migrated at startup.
#   PITBOX_STORAGE_SECRET     signs browser sessions; set it (never baked into the image).
#                             Unset: a random one is kept in $PITBOX_DATA_DIR.
#   PITBOX_MIGRATE_ON_START   true applies pending PostgreSQL migrations at startup. Default:
#                             the server refuses to start and names them; run `aerich upgrade`.
#   PITBOX_RECONNECT_TIMEOUT  seconds a dropped phone connection may take to come back (120).
#   PITBOX_HOST, PITBOX_PORT  where to serve (0.0.0.0, 8080).
#   PITBOX_ACCESS_PASSWORD    the password every browser needs (browsers never reach the
#                             container from its loopback). Unset: one is generated and kept
#                             in $PITBOX_DATA_DIR/access.json.
#   PITBOX_BEHIND_PROXY       true behind a reverse proxy: no address is trusted.
#   NICEGUI_REDIS_URL         browser storage in Redis, for several instances (needs
#                             nicegui[redis]: build with --build-arg PITBOX_EXTRAS=redis).
# Migrations are never applied to PostgreSQL behind your back: back up, then run
# `aerich upgrade` in a one-off container (it reads [tool.aerich] from pyproject.toml in /app).

FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PITBOX_DATA_DIR=/data \
    NICEGUI_STORAGE_PATH=/data/.nicegui \
    PITBOX_HOST=0.0.0.0 \
    PITBOX_PORT=8080

RUN groupadd --system --gid 10001 pitbox \
    && useradd --system --no-log-init --uid 10001 --gid pitbox --home-dir /data pitbox \
    && mkdir /data \
    && chown pitbox:pitbox /data

WORKDIR /app
# The exact versions pinned in pyproject.toml (no test extras), in a layer of their own that is
# rebuilt only when pyproject.toml changes; then Pitbox itself. PITBOX_EXTRAS names optional
# dependency groups of pyproject.toml to add, e.g. --build-arg PITBOX_EXTRAS=redis.
ARG PITBOX_EXTRAS=""
COPY pyproject.toml ./
RUN python -c "import os, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; extras = os.environ.get('PITBOX_EXTRAS', '').replace(',', ' ').split(); print(*p['dependencies'], *(d for e in extras for d in p['optional-dependencies'][e]), sep='\n')" > /tmp/requirements.txt \
    && pip install --no-cache-dir --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY . .
RUN pip install --no-cache-dir --no-deps .

# The pitbox user created above, by number so that Kubernetes-style runAsNonRoot can check it.
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PITBOX_PORT', '8080'), timeout=8)"]

CMD ["python", "main.py"]
