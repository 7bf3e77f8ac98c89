# syntax=docker/dockerfile:1
# Two stages: the builder installs the locked dependencies into a virtualenv; the runtime image
# copies that virtualenv and the code, collects static files, and runs gunicorn as a non-root user.

FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements/prod.txt /tmp/prod.txt
# The lock pins every transitive dependency, so pip must not resolve anything on its own.
RUN /opt/venv/bin/pip install --no-deps -r /tmp/prod.txt


FROM python:3.11-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WEB_CONCURRENCY=2
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY manage.py ./
COPY waitlist waitlist
COPY leads leads
COPY front front
COPY staff staff
COPY api api
COPY deploy/gunicorn.conf.py deploy/healthcheck.py deploy/
# The key exists only for this command (settings refuse to load without one); the image holds
# no secret. Static files are hashed and compressed for WhiteNoise; bytecode is compiled now
# because the root filesystem is read-only at run time.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-collectstatic-needs-a-50-character-key \
    DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --no-input --verbosity 0 \
    && python -m compileall -q manage.py waitlist leads front staff api deploy
# ECS mounts a scratch volume on /tmp (the root filesystem is read-only). A volume starts empty
# and owned by root; declaring the path here makes ECS copy the image's /tmp (mode 1777) into
# it, so the app user can write there.
VOLUME ["/tmp"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "deploy/healthcheck.py"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "waitlist.wsgi"]
