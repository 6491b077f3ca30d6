# The finops-assets code location image (Dagster+ Hybrid agent or self-hosted: `dagster api grpc`).
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FINOPS_ENV=prod

RUN useradd --create-home --uid 10001 finops
WORKDIR /opt/finops

COPY pyproject.toml README.md ./
COPY finops_assets ./finops_assets
RUN pip install --no-cache-dir uv \
    && uv pip install --system --no-cache . \
    && pip uninstall -y uv

USER finops
EXPOSE 4000
# Credentials come from the environment (workload identity / ADC); none are baked into the image.
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "4000", "-m", "finops_assets.definitions"]
