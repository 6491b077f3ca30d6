# The finops-assets code location image (self-hosted `dagster api grpc`, or Dagster+ Hybrid/Serverless).
# Base pinned to an exact Python patch release and Debian release; pin its digest too in your registry mirror.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/finops/.venv \
    PATH=/opt/finops/.venv/bin:$PATH \
    FINOPS_ENV=prod

RUN useradd --create-home --uid 10001 finops \
    && mkdir -p /opt/dagster/dagster_home \
    && chown -R finops:finops /opt/dagster
WORKDIR /opt/finops

# A plain venv, as `make install` builds it: dependencies first (cached layer), then the project (editable, so the
# dbt project stays a normal folder next to the code, writable for dbt's target/ and logs/).
COPY pyproject.toml README.md ./
COPY finops_assets ./finops_assets
RUN python -m venv "$VIRTUAL_ENV" \
    && "$VIRTUAL_ENV/bin/pip" install --no-cache-dir uv \
    && uv pip install --python "$VIRTUAL_ENV/bin/python" --no-cache -e . \
    && "$VIRTUAL_ENV/bin/pip" uninstall -y uv

# dagster-dbt reads target/manifest.json when the definitions load: prepare it at build time for the prod target
# (parsing is offline; the project id is only a placeholder for profiles.yml, runs use FINOPS_GCP_PROJECT).
RUN cd finops_assets/dbt \
    && FINOPS_GCP_PROJECT=build-time-parse dbt parse --quiet --profiles-dir . --target prod \
    && test -s target/manifest.json \
    && chown -R finops:finops /opt/finops/finops_assets/dbt

USER finops
EXPOSE 4000
# Credentials come from the environment (workload identity / ADC); none are baked into the image.
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "4000", "-m", "finops_assets.definitions"]
