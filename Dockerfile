FROM python:3.11-slim
WORKDIR /srv
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seeds ./seeds
# Editable, so the app finds alembic.ini, migrations/ and seeds/ beside it.
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["commitments", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
