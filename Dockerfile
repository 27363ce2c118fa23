FROM python:3.11-slim
WORKDIR /srv
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Pinned, hash-checked dependencies first (a layer that changes only with the lock file).
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml setup.py README.md ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
# A normal install: the migrations and the seeds travel inside the package; the source is
# removed so that only the installed package runs.
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf /srv/app /srv/migrations /srv/seeds /srv/build /srv/*.egg-info \
    && useradd --system --uid 10001 --no-create-home commitments
USER commitments
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
# No administrator is created here: its token would land in the container's log.
CMD ["commitments", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-create-admin"]
